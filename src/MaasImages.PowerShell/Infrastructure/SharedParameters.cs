using System.Collections.ObjectModel;
using System.Management.Automation;
using MaasImages.Engine.Layout;
using MaasImages.PowerShell.Completion;

namespace MaasImages.PowerShell.Infrastructure;

/// <summary>
/// One parameter that several cmdlets take, defined once: its name, type, default, validation,
/// completer and help message. Cmdlets take it as a dynamic parameter (<see cref="AsyncPSCmdlet"/>),
/// each naming the parameter sets and position it has there, so parameter sets stay per cmdlet.
/// </summary>
public sealed class SharedParameter
{
    private readonly Func<IEnumerable<Attribute>> _attributes;

    internal SharedParameter(string name, Type type, object? defaultValue, string helpMessage, Func<IEnumerable<Attribute>> attributes,
        bool mandatory = false, bool fromPipeline = false)
    {
        Name = name;
        Type = type;
        Default = defaultValue;
        HelpMessage = helpMessage;
        _attributes = attributes;
        Mandatory = mandatory;
        FromPipeline = fromPipeline;
    }

    public string Name { get; }
    public Type Type { get; }
    /// <summary>The value when the parameter is not given.</summary>
    public object? Default { get; }
    public string HelpMessage { get; }
    /// <summary>Whether the command cannot run without it (in the parameter sets that take it).</summary>
    public bool Mandatory { get; }
    /// <summary>Whether it takes the objects piped in (ValueFromPipeline).</summary>
    public bool FromPipeline { get; }

    /// <summary>The validation, completion and transformation attributes (fresh instances each time).</summary>
    public IEnumerable<Attribute> Attributes => _attributes();

    /// <summary>Taken in these parameter sets only (default: all).</summary>
    public SharedParameterUse In(params string[] parameterSets) => new SharedParameterUse(this).In(parameterSets);

    /// <summary>Taken at this position (default: named only).</summary>
    public SharedParameterUse At(int position) => new SharedParameterUse(this).At(position);

    /// <summary>Also bound from the same-named property of piped objects (where the command works per piped object).</summary>
    public SharedParameterUse ByPropertyName() => new SharedParameterUse(this).ByPropertyName();

    public static implicit operator SharedParameterUse(SharedParameter parameter) => new(parameter);

    internal RuntimeDefinedParameter Create(SharedParameterUse use)
    {
        var attributes = new Collection<Attribute>();
        foreach (var set in use.ParameterSets.Count == 0 ? [ParameterAttribute.AllParameterSets] : use.ParameterSets)
        {
            var parameter = new ParameterAttribute
            {
                ParameterSetName = set, HelpMessage = HelpMessage, Mandatory = Mandatory, ValueFromPipeline = FromPipeline,
                ValueFromPipelineByPropertyName = use.FromPipelineByPropertyName,
            };
            if (use.Position is { } at) parameter.Position = at;
            attributes.Add(parameter);
        }
        foreach (var attribute in Attributes) attributes.Add(attribute);
        return new RuntimeDefinedParameter(Name, Type, attributes);
    }
}

/// <summary>How one cmdlet takes a shared parameter: in which parameter sets, at which position, whether by property name from the pipeline.</summary>
public sealed record SharedParameterUse(SharedParameter Parameter)
{
    public IReadOnlyList<string> ParameterSets { get; private init; } = [];
    public int? Position { get; private init; }
    public bool FromPipelineByPropertyName { get; private init; }

    /// <summary>Taken in these parameter sets only (default: all).</summary>
    public SharedParameterUse In(params string[] parameterSets) => this with { ParameterSets = parameterSets };

    /// <summary>Taken at this position (default: named only).</summary>
    public SharedParameterUse At(int position) => this with { Position = position };

    /// <summary>Also bound from the same-named property of piped objects.</summary>
    public SharedParameterUse ByPropertyName() => this with { FromPipelineByPropertyName = true };
}

/// <summary>
/// The one home of the parameters several cmdlets share: the folder a command works on (-Path,
/// -LiteralPath), where metadata comes from (-Source, -Stream), the manifest cache (-CachePath),
/// the transfer and writer parameters (-ThrottleLimit, retries, stall and lock timeouts, proxy,
/// -Force, -PassThru, -Prune, -Layout, retention) and the image filters (-Os, -Release, -Arch,
/// -Subarch, -Kflavor, -Label). A test checks every cmdlet that has one of these names has it from
/// here, and that no other parameter is declared on several cmdlets.
/// </summary>
public static class SharedParameters
{
    public const int DefaultThrottleLimit = 4;
    public const int DefaultMaximumRetryCount = 5;
    public const int DefaultRetryIntervalSec = 1;
    public const int DefaultStallTimeoutSec = 60;
    public const int DefaultLockTimeoutSec = 60;

    public static readonly SharedParameter Path = new("Path", typeof(string), null,
        "The folder to work on.",
        () => [new SupportsWildcardsAttribute(), new ValidateNotNullOrEmptyAttribute()], mandatory: true);

    public static readonly SharedParameter LiteralPath = new("LiteralPath", typeof(string), null,
        "The folder to work on, taken literally: no character is a wildcard, so a name with [ ] needs no escaping.",
        () => [new AliasAttribute("PSPath", "LP"), new ValidateNotNullOrEmptyAttribute()], mandatory: true);

    public static readonly SharedParameter Source = new("Source", typeof(string), null,
        "Where the stream is: an http:// or https:// URL, a file:// URL, or a folder.", () => [new ValidateNotNullOrEmptyAttribute()]);

    public static readonly SharedParameter Stream = new("Stream", typeof(Engine.Streams.MaasStream[]), null,
        "Streams from Get-MaasStream, usually piped.", () => [new AliasAttribute("InputObject")], mandatory: true, fromPipeline: true);

    public static readonly SharedParameter CachePath = new("CachePath", typeof(string), null,
        "The folder fetched manifests are kept in.", () => [new ValidateNotNullOrEmptyAttribute()]);

    public static readonly SharedParameter ThrottleLimit = new("ThrottleLimit", typeof(int), DefaultThrottleLimit,
        "How many files are transferred at once, from 1 to 64.", () => [new ValidateRangeAttribute(1, 64)]);

    public static readonly SharedParameter MaximumRetryCount = new("MaximumRetryCount", typeof(int), DefaultMaximumRetryCount,
        "How many more attempts a file gets after a transient failure (a network error, a stall, HTTP 408, 429 or 5xx), from 0 to 100.", () => [new ValidateRangeAttribute(0, 100)]);

    public static readonly SharedParameter RetryIntervalSec = new("RetryIntervalSec", typeof(int), DefaultRetryIntervalSec,
        "Seconds to wait before the first retry, from 0 to 3600; the wait doubles with each attempt (with jitter).", () => [new ValidateRangeAttribute(0, 3600)]);

    public static readonly SharedParameter StallTimeoutSec = new("StallTimeoutSec", typeof(int), DefaultStallTimeoutSec,
        "Seconds without receiving a byte after which a transfer counts as stalled and is retried, from 1 to 86400.", () => [new ValidateRangeAttribute(1, 86400)]);

    public static readonly SharedParameter LockTimeoutSec = new("LockTimeoutSec", typeof(int), DefaultLockTimeoutSec,
        "Seconds to wait for another run that holds the lock of the folder, from 0 to 86400; then the command fails with DestinationLocked, having changed nothing.", () => [new ValidateRangeAttribute(0, 86400)]);

    public static readonly SharedParameter Proxy = new("Proxy", typeof(Uri), null,
        "An HTTP proxy for the downloads, such as http://proxy.example.com:3128.", () => []);

    public static readonly SharedParameter ProxyCredential = new("ProxyCredential", typeof(PSCredential), null,
        "The user name and password for the proxy given by -Proxy.", () => [new CredentialAttribute()]);

    public static readonly SharedParameter Force = new("Force", typeof(SwitchParameter), new SwitchParameter(false),
        "Re-checks or replaces what is already there instead of trusting it.", () => []);

    public static readonly SharedParameter PassThru = new("PassThru", typeof(SwitchParameter), new SwitchParameter(false),
        "Emits one object per item the command handled.", () => []);

    public static readonly SharedParameter Prune = new("Prune", typeof(SwitchParameter), new SwitchParameter(false),
        "Removes what this run no longer selects.", () => []);

    public static readonly SharedParameter Layout = new("Layout", typeof(SaveLayout), SaveLayout.Rack,
        "How the destination is laid out: Rack (the default), as a MAAS rack controller does, or Mirror, a servable simplestreams mirror.", () => []);

    public static readonly SharedParameter KeepSnapshots = new("KeepSnapshots", typeof(int), 0,
        "Rack layout: how many previous snapshots to keep besides current after the run, from 0 to 1000.", () => [new ValidateRangeAttribute(0, 1000)]);

    public static readonly SharedParameter KeepVersions = new("KeepVersions", typeof(int), 0,
        "Mirror layout: how many versions of each product to keep, from 0 to 1000 (the default, 0, keeps every version).", () => [new ValidateRangeAttribute(0, 1000)]);

    public static readonly SharedParameter Os = Filter("Os", "Operating systems (ubuntu, centos).", typeof(OsCompleter));

    public static readonly SharedParameter Release = Filter("Release", "Releases, by codename (jammy) or version number (22.04).", typeof(ReleaseCompleter));

    public static readonly SharedParameter Arch = Filter("Arch", "Architectures (amd64, arm64).", typeof(ArchCompleter));

    public static readonly SharedParameter Subarch = Filter("Subarch", "Subarchitectures, that is kernels (ga-22.04, hwe-22.04, hwe-24.04-edge; generic for CentOS).", typeof(SubarchCompleter));

    public static readonly SharedParameter Kflavor = Filter("Kflavor", "Kernel flavours (generic, lowlatency).", typeof(KflavorCompleter));

    public static readonly SharedParameter Label = Filter("Label", "Labels (stable, candidate).", typeof(LabelCompleter));

    /// <summary>Every shared parameter, by name.</summary>
    public static IReadOnlyDictionary<string, SharedParameter> All { get; } = typeof(SharedParameters)
        .GetFields(System.Reflection.BindingFlags.Public | System.Reflection.BindingFlags.Static)
        .Where(f => f.FieldType == typeof(SharedParameter))
        .Select(f => (SharedParameter)f.GetValue(null)!)
        .ToDictionary(p => p.Name, StringComparer.OrdinalIgnoreCase);

    private static SharedParameter Filter(string name, string help, Type completer) => new(name, typeof(string[]), null, help,
        () => [new SupportsWildcardsAttribute(), new ArgumentCompleterAttribute(completer), new ValidateNotNullOrEmptyAttribute()]);
}

/// <summary>The shared parameters one cmdlet invocation takes (its dynamic parameters) and their values.</summary>
public sealed class SharedParameterValues
{
    private readonly Dictionary<string, SharedParameter> _taken = new(StringComparer.OrdinalIgnoreCase);

    internal SharedParameterValues(IEnumerable<SharedParameterUse> uses)
    {
        foreach (var use in uses)
        {
            _taken.Add(use.Parameter.Name, use.Parameter);
            Dictionary.Add(use.Parameter.Name, use.Parameter.Create(use));
        }
    }

    /// <summary>What GetDynamicParameters hands PowerShell; it binds the values into it.</summary>
    public RuntimeDefinedParameterDictionary Dictionary { get; } = [];

    /// <summary>The value given on the command line, else the parameter's one default.</summary>
    public T Get<T>(SharedParameter parameter)
    {
        ArgumentNullException.ThrowIfNull(parameter);
        if (!_taken.ContainsKey(parameter.Name))
            throw new InvalidOperationException($"This command does not take -{parameter.Name}.");
        return Dictionary.TryGetValue(parameter.Name, out var bound) && bound.IsSet ? (T)bound.Value : (T)parameter.Default!;
    }

    public bool IsBound(SharedParameter parameter) =>
        Dictionary.TryGetValue(parameter.Name, out var bound) && bound.IsSet;
}
