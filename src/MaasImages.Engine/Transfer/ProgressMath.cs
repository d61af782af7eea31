namespace MaasImages.Engine.Transfer;

/// <summary>
/// A smoothed transfer speed, advanced one sample at a time. Total by construction: whatever the
/// byte counts and clock readings (no byte for minutes, counts going back after a restart, a clock
/// that stands still or jumps, NaN), it never throws and never yields an absurd time left.
/// </summary>
/// <param name="BytesPerSecond">Smoothed speed; 0 when unknown or below one byte a second.</param>
/// <param name="SampledBytes">Bytes done at the last sample.</param>
/// <param name="SampledAt">Clock reading of the last sample.</param>
/// <param name="Stalled">No byte arrived between the last two samples.</param>
public readonly record struct SpeedEstimate(double BytesPerSecond, long SampledBytes, TimeSpan SampledAt, bool Stalled)
{
    /// <summary>Samples closer together than this are ignored: too short to measure a speed.</summary>
    public static TimeSpan SampleInterval { get; } = TimeSpan.FromMilliseconds(200);

    /// <summary>A time left beyond this is not an estimate worth showing.</summary>
    public static TimeSpan MaxRemaining { get; } = TimeSpan.FromDays(30);

    /// <summary>Weight of the newest sample in the moving average.</summary>
    private const double NewSampleWeight = 0.3;

    /// <summary>The state after <paramref name="bytesDone"/> bytes at clock reading <paramref name="now"/>.</summary>
    public SpeedEstimate Next(long bytesDone, TimeSpan now)
    {
        // Ticks as doubles: a TimeSpan difference can overflow, a double one cannot.
        var seconds = ((double)now.Ticks - SampledAt.Ticks) / TimeSpan.TicksPerSecond;
        if (!(seconds >= SampleInterval.TotalSeconds) || double.IsInfinity(seconds)) return this; // too soon, or the clock went back
        var arrived = (double)bytesDone - SampledBytes; // negative after a restart from zero: no speed, not a negative one
        var instant = arrived > 0 ? arrived / seconds : 0;
        var previous = double.IsFinite(BytesPerSecond) && BytesPerSecond > 0 ? BytesPerSecond : 0;
        var speed = previous == 0 ? instant : (1 - NewSampleWeight) * previous + NewSampleWeight * instant;
        if (!double.IsFinite(speed) || speed < 1) speed = 0; // decayed towards zero during a stall: unknown, not tiny
        return new SpeedEstimate(speed, bytesDone, now, Stalled: !(arrived > 0));
    }

    /// <summary>Time left for <paramref name="bytesTotal"/>; null while stalled, when unknown, or beyond <see cref="MaxRemaining"/>.</summary>
    public TimeSpan? Remaining(long bytesDone, long bytesTotal)
    {
        if (bytesTotal <= 0) return null;
        var left = (double)bytesTotal - Math.Max(0, bytesDone);
        if (left <= 0) return TimeSpan.Zero;
        if (Stalled || !double.IsFinite(BytesPerSecond) || BytesPerSecond < 1) return null;
        var seconds = left / BytesPerSecond;
        return seconds <= MaxRemaining.TotalSeconds ? TimeSpan.FromSeconds(seconds) : null;
    }
}

/// <summary>Figures for progress displays that cannot overflow or go out of range.</summary>
public static class ProgressMath
{
    /// <summary>0–100; 100 for an empty or unknown total.</summary>
    public static int Percent(long done, long total)
    {
        if (total <= 0) return 100;
        var percent = Math.Max(0, (double)done) * 100 / total;
        return (int)Math.Clamp(Math.Floor(percent), 0, 100);
    }

    /// <summary>Whole seconds for a progress record, -1 (unknown) for none.</summary>
    public static int Seconds(TimeSpan? remaining) =>
        remaining is { } left && left >= TimeSpan.Zero ? (int)Math.Min(int.MaxValue, Math.Ceiling(left.TotalSeconds)) : -1;

    /// <summary>A speed as whole bytes a second; 0 for NaN, negative or infinite.</summary>
    public static long WholeBytesPerSecond(double speed) =>
        double.IsFinite(speed) && speed > 0 ? (long)Math.Min(speed, long.MaxValue / 2.0) : 0;
}
