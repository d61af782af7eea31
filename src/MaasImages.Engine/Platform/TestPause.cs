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
    public const string Cleanup = "cleanup";                  // current switched, an old snapshot renamed to .deleting-*
    public const string CleanupDelete = "cleanup-delete";    // in the middle of deleting that old snapshot: some of its files gone

    private static int s_reached;

    public static void At(string point)
    {
        if (Environment.GetEnvironmentVariable("MAASIMAGES_TEST_PAUSE_AT") != point) return;
        if (Environment.GetEnvironmentVariable("MAASIMAGES_TEST_PAUSE_DIR") is not { Length: > 0 } folder) return;
        // Parallel downloads reach a point on several threads at once: only the first writes the
        // marker (through a temporary name of its own, so the test never reads it half written).
        if (Interlocked.Exchange(ref s_reached, 1) == 0)
        {
            var marker = Path.Combine(folder, point);
            var temporary = $"{marker}.{Guid.NewGuid():N}.tmp";
            File.WriteAllText(temporary, Environment.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture));
            File.Move(temporary, marker, overwrite: true);
        }
        Thread.Sleep(Timeout.Infinite);
    }
}
