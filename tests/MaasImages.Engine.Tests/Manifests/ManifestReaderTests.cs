using System.Text;
using MaasImages.Engine.Manifests;

namespace MaasImages.Engine.Tests.Manifests;

public sealed class ManifestReaderTests
{
    private static (IReadOnlyList<ManifestEntry> Entries, List<ManifestWarning> Warnings) Read(string text) => Read(Encoding.UTF8.GetBytes(text));

    private static (IReadOnlyList<ManifestEntry> Entries, List<ManifestWarning> Warnings) Read(byte[] bytes)
    {
        var warnings = new List<ManifestWarning>();
        var entries = ManifestReader.Read(new MemoryStream(bytes), "test.manifest", warnings.Add);
        return (entries, warnings);
    }

    [Fact]
    public void Reads_names_architectures_and_versions_in_the_real_shape()
    {
        var (entries, warnings) = Read("adduser\t3.137ubuntu1\nlibc6:amd64\t2.39-0ubuntu8.3\r\nopenssh-server\t1:9.6p1-3ubuntu13.5\n\npython3.12\t3.12.3-1ubuntu0.1~24.04");
        Assert.Empty(warnings);
        Assert.Equal(new[] { "adduser", "libc6", "openssh-server", "python3.12" }, entries.Select(e => e.Name));
        Assert.Null(entries[0].Architecture);
        Assert.Equal("amd64", entries[1].Architecture);
        Assert.Equal("2.39-0ubuntu8.3", entries[1].Version.ToString());
        Assert.Equal(1, entries[2].Version.Epoch);
        Assert.Equal(5, entries[3].LineNumber);
    }

    [Fact]
    public void Malformed_lines_are_warnings_with_their_line_number_and_are_skipped()
    {
        var (entries, warnings) = Read(
            "good\t1.0\n" +          // 1
            "no-tab-here 1.0\n" +    // 2
            "Bad_Name\t1.0\n" +      // 3
            "pkg\tnot a version\n" + // 4
            "pkg:\t1.0\n" +          // 5
            "a\tb\tc\n" +            // 6
            "good\t2.0\n" +          // 7 (twice)
            "last\t2:1.0-1\n");      // 8
        Assert.Equal(new[] { "good", "last" }, entries.Select(e => e.Name));
        Assert.Equal("1.0", entries[0].Version.ToString());
        Assert.Equal(new[] { 2, 3, 4, 5, 6, 7 }, warnings.Select(w => w.LineNumber));
        Assert.All(warnings, w => Assert.Equal("test.manifest", w.Source));
        Assert.Contains("not a Debian version", warnings[2].Message);
        Assert.Contains("listed twice", warnings[5].Message);
        Assert.StartsWith("test.manifest, line 2: ", warnings[0].ToString());
    }

    [Fact]
    public void A_huge_line_is_skipped_without_being_held_and_the_next_line_still_counts()
    {
        var text = "first\t1.0\n" + new string('x', 5_000_000) + "\tv\nafter\t2.0\n";
        var (entries, warnings) = Read(text);
        Assert.Equal(new[] { "first", "after" }, entries.Select(e => e.Name));
        Assert.Equal(3, entries[1].LineNumber);
        var warning = Assert.Single(warnings);
        Assert.Equal(2, warning.LineNumber);
        Assert.Contains("longer than", warning.Message);
    }

    [Fact]
    public void Many_malformed_lines_give_a_bounded_number_of_warnings()
    {
        var text = string.Concat(Enumerable.Range(0, 1000).Select(i => $"junk line {i}\n")) + "ok\t1\n";
        var (entries, warnings) = Read(text);
        Assert.Single(entries);
        Assert.Equal(ManifestReader.MaxWarnings + 1, warnings.Count);
        Assert.Contains("980 more malformed lines skipped", warnings[^1].Message);
    }

    [Fact]
    public void A_file_past_the_size_limit_is_refused_with_a_stable_id()
    {
        var line = Encoding.ASCII.GetBytes("pkg\t1.0\n");
        var stream = new RepeatingStream(line, ManifestReader.MaxBytes + 1);
        var error = Assert.Throws<ManifestTooLargeException>(() => ManifestReader.Read(stream, "huge.manifest", _ => { }));
        Assert.Equal("ManifestTooLarge", error.ErrorId);
        Assert.True(stream.Position <= ManifestReader.MaxBytes + 128 * 1024, "reading stops at the limit");
    }

    [Fact]
    public void A_file_listing_more_packages_than_the_limit_is_refused()
    {
        var text = new StringBuilder();
        for (int i = 0; i <= ManifestReader.MaxEntries; i++) text.Append('p').Append(i).Append("\t1\n");
        var error = Assert.Throws<ManifestTooLargeException>(() => Read(text.ToString()));
        Assert.Contains("more than", error.Message);
    }

    [Fact]
    public void Binary_garbage_and_invalid_utf8_never_crash()
    {
        var random = new Random(13);
        var bytes = new byte[200_000];
        random.NextBytes(bytes);
        var (entries, warnings) = Read(bytes);
        Assert.NotNull(entries);
        Assert.True(warnings.Count <= ManifestReader.MaxWarnings + 1);
    }

    [Fact]
    public void A_missing_file_is_ManifestNotFound()
    {
        var error = Assert.Throws<ManifestNotFoundException>(() =>
            ManifestReader.ReadFile(Path.Combine(Path.GetTempPath(), Guid.NewGuid().ToString("N"), "squashfs.manifest"), _ => { }));
        Assert.Equal("ManifestNotFound", error.ErrorId);
    }

    /// <summary>A stream of <paramref name="length"/> bytes repeating a pattern, never held in memory.</summary>
    private sealed class RepeatingStream(byte[] pattern, long length) : Stream
    {
        private long _position;
        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => length;
        public override long Position { get => _position; set => throw new NotSupportedException(); }
        public override int Read(byte[] buffer, int offset, int count)
        {
            var n = (int)Math.Min(count, length - _position);
            for (int i = 0; i < n; i++) buffer[offset + i] = pattern[(_position + i) % pattern.Length];
            _position += n;
            return n;
        }
        public override void Flush() { }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}

public sealed class ManifestCacheTests
{
    [Fact]
    public void The_default_cache_is_under_XDG_CACHE_HOME_else_under_the_home_cache()
    {
        if (OperatingSystem.IsWindows()) return; // %LOCALAPPDATA% there
        var saved = Environment.GetEnvironmentVariable("XDG_CACHE_HOME");
        try
        {
            Environment.SetEnvironmentVariable("XDG_CACHE_HOME", "/var/tmp/xdg");
            Assert.Equal("/var/tmp/xdg/MaasImages/manifests", ManifestLoader.DefaultCachePath());
            Environment.SetEnvironmentVariable("XDG_CACHE_HOME", "relative/is/ignored");
            Assert.Equal(Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache", "MaasImages", "manifests"),
                ManifestLoader.DefaultCachePath());
        }
        finally
        {
            Environment.SetEnvironmentVariable("XDG_CACHE_HOME", saved);
        }
    }
}
