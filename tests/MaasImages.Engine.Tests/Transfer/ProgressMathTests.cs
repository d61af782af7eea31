using MaasImages.Engine.Transfer;

namespace MaasImages.Engine.Tests.Transfer;

/// <summary>
/// The progress maths is total: it runs on a timer thread, where an exception would end the
/// process (issue 10: "TimeSpan overflowed" after a long stall). Every input, however odd, gives
/// a finite speed and a sensible time left or none.
/// </summary>
public sealed class ProgressMathTests
{
    private static TimeSpan Sec(double s) => TimeSpan.FromSeconds(s);

    private static void AssertSane(SpeedEstimate estimate, long done, long total)
    {
        Assert.True(double.IsFinite(estimate.BytesPerSecond) && estimate.BytesPerSecond >= 0, $"speed {estimate.BytesPerSecond}");
        var left = estimate.Remaining(done, total);
        if (left is { } l) Assert.InRange(l, TimeSpan.Zero, SpeedEstimate.MaxRemaining);
    }

    [Fact]
    public void A_steady_transfer_gives_its_speed_and_time_left()
    {
        var estimate = default(SpeedEstimate).Next(0, Sec(0));
        estimate = estimate.Next(1000, Sec(1));
        Assert.Equal(1000, estimate.BytesPerSecond, precision: 6);
        Assert.False(estimate.Stalled);
        Assert.Equal(Sec(9), estimate.Remaining(1000, 10_000));
    }

    [Fact]
    public void A_stall_far_longer_than_the_smoothing_window_shows_no_time_left_and_never_overflows()
    {
        const long total = 5L * 1024 * 1024 * 1024 * 1024; // 5 TiB still to come
        var estimate = default(SpeedEstimate).Next(1_000_000, Sec(1));
        // Hours without a byte, sampled four times a second: the smoothed speed decays to nothing.
        for (int tick = 0; tick < 4 * 3600 * 5; tick++)
        {
            estimate = estimate.Next(1_000_000, Sec(1 + (tick + 1) * 0.25));
            AssertSane(estimate, 1_000_000, total);
        }
        Assert.True(estimate.Stalled);
        Assert.Equal(0, estimate.BytesPerSecond);
        Assert.Null(estimate.Remaining(1_000_000, total));
        // Bytes again: a speed and a time left again.
        estimate = estimate.Next(2_000_000, Sec(3600 * 5 + 2));
        Assert.False(estimate.Stalled);
        Assert.NotNull(estimate.Remaining(2_000_000, 3_000_000));
    }

    [Theory]
    [InlineData(0.0)]
    [InlineData(1e-300)]
    [InlineData(0.5)]
    [InlineData(-5.0)]
    [InlineData(double.NaN)]
    [InlineData(double.PositiveInfinity)]
    [InlineData(double.NegativeInfinity)]
    [InlineData(double.Epsilon)]
    public void Any_speed_gives_a_capped_time_left_or_none(double speed)
    {
        var estimate = new SpeedEstimate(speed, 0, TimeSpan.Zero, Stalled: false);
        var left = estimate.Remaining(0, long.MaxValue);
        Assert.True(left is null || left <= SpeedEstimate.MaxRemaining);
        AssertSane(estimate.Next(10, Sec(1)), 10, long.MaxValue);
    }

    [Fact]
    public void A_time_left_beyond_the_cap_is_not_shown()
    {
        var slow = new SpeedEstimate(2, 0, TimeSpan.Zero, Stalled: false);
        Assert.Null(slow.Remaining(0, long.MaxValue));
        Assert.Equal(Sec(5), slow.Remaining(0, 10));
    }

    [Theory]
    [InlineData(0L, 0L)]
    [InlineData(10L, 0L)]
    [InlineData(0L, -1L)]
    [InlineData(-10L, 100L)]
    [InlineData(500L, 100L)]
    [InlineData(long.MaxValue, long.MaxValue)]
    [InlineData(long.MinValue, long.MaxValue)]
    public void Sizes_zero_unknown_or_inconsistent_are_fine(long done, long total)
    {
        var estimate = new SpeedEstimate(1000, 0, TimeSpan.Zero, Stalled: false);
        AssertSane(estimate, done, total);
        if (total <= 0) Assert.Null(estimate.Remaining(done, total));
        if (total > 0 && done >= total) Assert.Equal(TimeSpan.Zero, estimate.Remaining(done, total));
        AssertSane(estimate.Next(done, Sec(1)), done, total);
        Assert.InRange(ProgressMath.Percent(done, total), 0, 100);
    }

    [Fact]
    public void A_clock_that_does_not_advance_or_goes_back_changes_nothing()
    {
        var estimate = default(SpeedEstimate).Next(0, Sec(10)).Next(1000, Sec(11));
        Assert.Equal(estimate, estimate.Next(5000, Sec(11)));       // standing still
        Assert.Equal(estimate, estimate.Next(5000, Sec(11.05)));    // too soon to measure
        Assert.Equal(estimate, estimate.Next(5000, Sec(3)));        // gone back
        Assert.Equal(estimate, estimate.Next(5000, TimeSpan.MinValue));
        AssertSane(estimate.Next(5000, TimeSpan.MaxValue), 5000, 10_000); // a jump to the end of time
    }

    [Fact]
    public void Counts_going_back_after_a_restart_give_no_speed_not_a_negative_one()
    {
        var estimate = default(SpeedEstimate).Next(0, Sec(0)).Next(1_000_000, Sec(1));
        estimate = estimate.Next(0, Sec(2)); // the partial was discarded: counted from zero again
        Assert.True(estimate.BytesPerSecond >= 0);
        Assert.True(estimate.Stalled);
        Assert.Null(estimate.Remaining(0, 2_000_000));
        estimate = estimate.Next(long.MinValue, Sec(3));
        AssertSane(estimate, long.MinValue, 2_000_000);
    }

    [Theory]
    [InlineData(0L, 100L, 0)]
    [InlineData(50L, 100L, 50)]
    [InlineData(100L, 100L, 100)]
    [InlineData(150L, 100L, 100)]
    [InlineData(-1L, 100L, 0)]
    [InlineData(5L, 0L, 100)]
    [InlineData(long.MaxValue, 3L, 100)]
    [InlineData(1L, 3L, 33)]
    public void Percent_stays_between_0_and_100(long done, long total, int expected) =>
        Assert.Equal(expected, ProgressMath.Percent(done, total));

    [Fact]
    public void Seconds_and_speeds_for_displays_never_overflow()
    {
        Assert.Equal(-1, ProgressMath.Seconds(null));
        Assert.Equal(-1, ProgressMath.Seconds(TimeSpan.FromSeconds(-3)));
        Assert.Equal(int.MaxValue, ProgressMath.Seconds(TimeSpan.MaxValue));
        Assert.Equal(2, ProgressMath.Seconds(TimeSpan.FromSeconds(1.2)));
        Assert.Equal(0, ProgressMath.WholeBytesPerSecond(double.NaN));
        Assert.Equal(0, ProgressMath.WholeBytesPerSecond(-4));
        Assert.Equal(0, ProgressMath.WholeBytesPerSecond(double.PositiveInfinity));
        Assert.True(ProgressMath.WholeBytesPerSecond(1e300) > 0);
        Assert.Equal(1234, ProgressMath.WholeBytesPerSecond(1234.9));
    }
}
