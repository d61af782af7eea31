using System.Reflection;
using System.Runtime.Loader;

namespace MaasImages.Loader;

/// <summary>
/// Keeps MaasImages' engine and its third-party assemblies (Polly.Core, SharpCompress,
/// BouncyCastle) in a private load context, so another module that loaded different versions of
/// them cannot break MaasImages, nor MaasImages it. The cmdlet assembly stays in the default
/// context; when it needs the engine, the default context asks <see cref="Register"/>'s handler,
/// which hands over the engine loaded here. Everything else (the framework, PowerShell) is shared,
/// and so is a framework assembly at least as new as a private copy of it (<see cref="FrameworkProvides"/>).
/// </summary>
public sealed class DependencyLoadContext : AssemblyLoadContext
{
    /// <summary>The assembly the cmdlets reference; the only one handed to the default context.</summary>
    public const string EngineAssembly = "MaasImages.Engine";

    private static readonly object Gate = new();
    private static DependencyLoadContext? s_instance;
    private readonly string _folder;
    private readonly bool _flat;

    private DependencyLoadContext(string folder, bool flat) : base("MaasImages", isCollectible: false)
    {
        _folder = folder;
        _flat = flat;
    }

    /// <summary>The folder of private assemblies (the module's Dependencies/, or the module folder itself when flat).</summary>
    public static string? Folder => s_instance?._folder;

    /// <summary>
    /// Sets the context up once per process for the module in <paramref name="moduleFolder"/>.
    /// The private assemblies are in its Dependencies/ (the built module) or beside the cmdlets
    /// (a flat build output folder); without the engine in either, the import stops with a
    /// message that says so, rather than failing later on every cmdlet.
    /// </summary>
    public static void Register(string moduleFolder)
    {
        lock (Gate)
        {
            if (s_instance is not null) return;
            var folder = PrivateFolder(moduleFolder) ?? throw new FileNotFoundException(
                $"MaasImages cannot load: {EngineAssembly}.dll is neither in '{Path.Combine(moduleFolder, "Dependencies")}' nor in '{moduleFolder}'. " +
                "The module folder is incomplete: install the module again (or run ./build.ps1 and import out/MaasImages).",
                EngineAssembly + ".dll");
            s_instance = new DependencyLoadContext(folder, flat: folder == moduleFolder);
            Default.Resolving += ResolveEngine;
        }
    }

    private static string? PrivateFolder(string moduleFolder)
    {
        foreach (var folder in new[] { Path.Combine(moduleFolder, "Dependencies"), moduleFolder })
            if (File.Exists(Path.Combine(folder, EngineAssembly + ".dll"))) return folder;
        return null;
    }

    /// <summary>
    /// Loads the engine by its path, never by name: asking the private context by name would let
    /// it fall back to the default context, which asks this handler again (a stack overflow).
    /// </summary>
    private static Assembly? ResolveEngine(AssemblyLoadContext context, AssemblyName name)
    {
        if (name.Name != EngineAssembly || s_instance is not { } instance) return null;
        var path = Path.Combine(instance._folder, EngineAssembly + ".dll");
        return File.Exists(path) ? instance.LoadFromAssemblyPath(path) : null;
    }

    /// <summary>
    /// Private assemblies come from the private folder; anything else falls back to the default
    /// context. A flat build output also holds copies of what the host already has (PowerShell's
    /// and the framework's assemblies): those are shared, not loaded a second time.
    /// </summary>
    protected override Assembly? Load(AssemblyName assemblyName)
    {
        if (assemblyName.Name is not { } simpleName || (_flat && IsPlatformAssembly(simpleName))) return null;
        // A framework assembly at least as new as the one asked for (System.Text.Json 10 on .NET 10)
        // is shared: the runtime's copy is precompiled for it and often already loaded, where a private
        // copy would be loaded a second time and JIT-compiled. On an older runtime (.NET 8 under
        // PowerShell 7.4) the private, newer copy loads as before.
        if (FrameworkProvides(assemblyName)) return null;
        var path = Path.Combine(_folder, simpleName + ".dll");
        return File.Exists(path) ? LoadFromAssemblyPath(path) : null;
    }

    private static readonly System.Collections.Concurrent.ConcurrentDictionary<string, Version?> FrameworkVersions = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>
    /// True when the runtime's own framework folder (Microsoft.NETCore.App: not the host's
    /// application assemblies, whose versions follow no compatibility rule) has an assembly of
    /// this name whose version is the same as or higher than the one asked for.
    /// </summary>
    public static bool FrameworkProvides(AssemblyName assemblyName)
    {
        if (assemblyName.Name is not { } simpleName) return false;
        var available = FrameworkVersions.GetOrAdd(simpleName, FrameworkVersion);
        return available is not null && (assemblyName.Version is null || available >= assemblyName.Version);
    }

    private static Version? FrameworkVersion(string simpleName)
    {
        var frameworkFolder = Path.GetDirectoryName(typeof(object).Assembly.Location);
        if (string.IsNullOrEmpty(frameworkFolder) || !PlatformAssemblies.Value.Contains(simpleName)) return null;
        var path = Path.Combine(frameworkFolder, simpleName + ".dll");
        try
        {
            return File.Exists(path) ? AssemblyName.GetAssemblyName(path).Version : null;
        }
        catch (Exception e) when (e is IOException or BadImageFormatException or UnauthorizedAccessException)
        {
            return null; // unreadable: the private copy is the safe choice
        }
    }

    private static readonly Lazy<HashSet<string>> PlatformAssemblies = new(() =>
        new HashSet<string>(
            ((AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES") as string) ?? "")
                .Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
                .Select(Path.GetFileNameWithoutExtension)
                .OfType<string>(),
            StringComparer.OrdinalIgnoreCase));

    private static bool IsPlatformAssembly(string simpleName) => PlatformAssemblies.Value.Contains(simpleName);
}
