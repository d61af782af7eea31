namespace MaasImages.Engine.Platform;

/// <summary>
/// TEST ONLY — not a feature. With <c>MAASIMAGES_TEST_PAUSE_AT=&lt;point&gt;</c> and
/// <c>MAASIMAGES_TEST_PAUSE_DIR=&lt;folder&gt;</c> in its environment, a process that reaches the
/// named point writes <c>&lt;folder&gt;/&lt;point&gt;</c> (its pid) and blocks for ever, so a test can
/// kill -9 it exactly there. Unset (always, outside the kill tests) it costs one lookup.
/// </summary>
internal static class TestPause
{
    /// <summary>The points, in the order a rack save passes them.</summary>
    public const string Download = "download";                // a partial has bytes on disk
    public const string ResumeHash = "resume-hash";          // hashing an existing partial before resuming it
    public const string Build = "build";                      // the new snapshot is half built (.building-*)
    public const string Switch = "switch";                    // the new snapshot is complete, current not switched yet
    public const string CurrentLink = "current-link";        // the temporary .current-<guid> link exists, not renamed yet
    public const string Cleanup = "cleanup";                  // current switched, an old snapshot half removed

    public static void At(string point)
    {
        if (Environment.GetEnvironmentVariable("MAASIMAGES_TEST_PAUSE_AT") != point) return;
        if (Environment.GetEnvironmentVariable("MAASIMAGES_TEST_PAUSE_DIR") is not { Length: > 0 } folder) return;
        var marker = Path.Combine(folder, point);
        File.WriteAllText(marker + ".tmp", Environment.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture));
        File.Move(marker + ".tmp", marker, overwrite: true); // the test sees the marker whole or not at all
        Thread.Sleep(Timeout.Infinite);
    }
}
