using System.Management.Automation;
using MaasImages.PowerShell.Completion;

namespace MaasImages.PowerShell.Tests;

/// <summary>
/// Tab completion of the filter parameters, through TabExpansion2 in a real runspace: -Os and
/// -Kflavor complete (no ./ from path completion), and values come from the stream the command
/// line reads — a local folder given with -Source (read on Tab), the Get-MaasStream before it, or
/// a URL this session listed in full — instead of the static list.
/// </summary>
public sealed class CompletionTests() : ServedSampleTests("maasimages-completion-")
{
    private static readonly string[] SampleReleases = ["22.04", "24.04", "7.0", "8", "centos70", "jammy", "noble"];

    private List<CompletionResult> Complete(string input, Dictionary<string, object?>? variables = null)
    {
        var vars = variables ?? new Dictionary<string, object?>();
        vars["text"] = input;
        var result = Session.Run("(TabExpansion2 -inputScript $text -cursorColumn $text.Length).CompletionMatches", vars);
        Assert.Empty(result.Errors);
        return result.Objects<CompletionResult>().ToList();
    }

    private static List<string> Texts(IEnumerable<CompletionResult> results) => results.Select(r => r.CompletionText).ToList();

    private static string Quoted(string path) => "'" + path.Replace("'", "''", StringComparison.Ordinal) + "'";

    [Theory]
    [InlineData("Get-MaasImageVersion -Os ", "ubuntu")]
    [InlineData("Get-MaasImageVersion -Os c", "centos")]
    [InlineData("Get-MaasImageVersion -Kflavor ", "generic")]
    [InlineData("Get-MaasImageVersion -Kflavor gen", "generic")]
    [InlineData("Get-MaasImageVersion -Label ", "stable")]
    [InlineData("Get-MaasBootResource -Path /tmp -Os ", "ubuntu")]
    [InlineData("Remove-MaasBootResource -Path /tmp -Os ", "centos")]
    public void Os_Kflavor_and_Label_complete_values_not_paths(string input, string expected)
    {
        var results = Complete(input);
        Assert.Contains(expected, Texts(results));
        Assert.All(results, r => Assert.Equal(CompletionResultType.ParameterValue, r.ResultType));
        Assert.DoesNotContain(results, r => r.CompletionText.StartsWith("./", StringComparison.Ordinal) || r.CompletionText.StartsWith('/'));
    }

    [Fact]
    public void A_local_folder_given_as_Source_gives_its_own_values_instead_of_the_static_list()
    {
        var source = Quoted(PowerShellSession.SampleStream);
        Assert.Equal(SampleReleases, Texts(Complete($"Get-MaasImageVersion -Source {source} -Release ")).Order(StringComparer.Ordinal));
        Assert.Equal(["amd64", "arm64"], Texts(Complete($"Get-MaasImageVersion -Source {source} -Arch ")));
        Assert.Equal(["generic", "lowlatency"], Texts(Complete($"Get-MaasImageVersion -Source {source} -Kflavor ")));
        Assert.Equal(["centos", "ubuntu"], Texts(Complete($"Get-MaasImageVersion -Source {source} -Os ")));
        // Without a source the static list applies: it has arches the sample's images do not.
        Assert.Contains("i386", Texts(Complete("Get-MaasImageVersion -Arch ")));
    }

    [Fact]
    public void The_filters_already_typed_narrow_the_values()
    {
        var source = Quoted(PowerShellSession.SampleStream);
        Assert.Equal(["7.0", "8", "centos70"], Texts(Complete($"Get-MaasImageVersion -Source {source} -Os centos -Release ")));
        Assert.Equal(["ga-22.04", "hwe-22.04"], Texts(Complete($"Get-MaasImageVersion -Source {source} -Release jammy -Subarch ")));
        Assert.Equal(["22.04", "24.04", "jammy", "noble"], Texts(Complete($"Get-MaasImageVersion -Source {source} -Os ub* -Release ")));
    }

    [Fact]
    public void A_relative_Source_folder_is_read_from_the_PowerShell_location()
    {
        var vars = new Dictionary<string, object?> { ["parent"] = Path.GetDirectoryName(PowerShellSession.SampleStream) };
        Session.Run("Set-Location $parent", vars);
        Assert.Equal(["amd64", "arm64"], Texts(Complete("Get-MaasImageVersion -Source ./stream -Arch ")));
    }

    [Fact]
    public void The_Get_MaasStream_before_it_in_the_pipeline_names_the_stream()
    {
        var source = Quoted(PowerShellSession.SampleStream);
        Assert.Equal(["amd64", "arm64"], Texts(Complete($"Get-MaasStream -Source {source} | Get-MaasImageVersion -Arch ")));
    }

    [Fact]
    public void A_URL_source_gives_its_values_once_this_session_listed_the_whole_stream_and_never_reads_the_network_on_Tab()
    {
        var vars = Vars;
        var before = Server.Requests.Count;
        var beforeRead = Texts(Complete("Get-MaasImageVersion -Source $url -Arch ", vars));
        Assert.Contains("i386", beforeRead); // the static list: nothing known of that stream yet
        Assert.Equal(before, Server.Requests.Count);

        // A filtered listing shows part of the stream only: still the static list.
        Assert.Empty(Session.Run("Get-MaasImageVersion -Source $url -Keyring $keyring -Release noble | Out-Null", vars).Errors);
        Assert.Contains("i386", Texts(Complete("Get-MaasImageVersion -Source $url -Arch ", vars)));

        Assert.Empty(Session.Run("Get-MaasImageVersion -Source $url -Keyring $keyring | Out-Null", vars).Errors);
        var requests = Server.Requests.Count;
        Assert.Equal(["amd64", "arm64"], Texts(Complete("Get-MaasImageVersion -Source $url -Arch ", vars)));
        Assert.Equal(SampleReleases, Texts(Complete("Get-MaasImageVersion -Source $url -Release ", vars)).Order(StringComparer.Ordinal));
        Assert.Equal(requests, Server.Requests.Count);
    }

    [Fact]
    public void A_folder_that_is_not_a_stream_falls_back_to_the_static_list()
    {
        Directory.CreateDirectory(Destination);
        Assert.Contains("i386", Texts(Complete($"Get-MaasImageVersion -Source {Quoted(Destination)} -Arch ")));
    }

    [Theory]
    [InlineData("jammy", "jammy")]
    [InlineData("ga-22.04", "ga-22.04")]
    [InlineData("two words", "'two words'")]
    [InlineData("$(Remove-Item x)", "'$(Remove-Item x)'")]
    [InlineData("it's", "'it''s'")]
    [InlineData("-Force", "'-Force'")]
    public void A_value_from_a_stream_is_quoted_when_PowerShell_would_read_it_as_code(string value, string typed)
    {
        Assert.Equal(typed, ValueCompleter.Quote(value));
    }
}
