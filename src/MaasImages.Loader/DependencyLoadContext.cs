using System.Reflection;
using System.Runtime.Loader;

namespace MaasImages.Loader;

/// <summary>
/// Keeps MaasImages' engine and its third-party assemblies (Polly.Core, SharpCompress,
/// BouncyCastle) in a private load context, so another module that loaded different versions of
/// them cannot break MaasImages, nor MaasImages it. The cmdlet assembly stays in the default
/// context; when it needs the engine, the default context asks <see cref="Register"/>'s handler,
/// which hands over the engine loaded here. Everything else (the framework, PowerShell) is shared.
/// </summary>
public sealed class DependencyLoadContext : AssemblyLoadContext
{
    /// <summary>The assembly the cmdlets reference; the only one handed to the default context.</summary>
    public const string EngineAssembly = "MaasImages.Engine";

    private static readonly object Gate = new();
    private static DependencyLoadContext? s_instance;
    private readonly string _folder;

    private DependencyLoadContext(string folder) : base("MaasImages", isCollectible: false) => _folder = folder;

    /// <summary>The folder of private assemblies (the module's Dependencies/).</summary>
    public static string? Folder => s_instance?._folder;

    /// <summary>Sets the context up once per process for the module in <paramref name="moduleFolder"/>.</summary>
    public static void Register(string moduleFolder)
    {
        lock (Gate)
        {
            if (s_instance is not null) return;
            s_instance = new DependencyLoadContext(Path.Combine(moduleFolder, "Dependencies"));
            Default.Resolving += ResolveEngine;
        }
    }

    private static Assembly? ResolveEngine(AssemblyLoadContext context, AssemblyName name) =>
        name.Name == EngineAssembly && s_instance is { } instance ? instance.LoadFromAssemblyName(name) : null;

    /// <summary>Private assemblies come from Dependencies/; anything else falls back to the default context.</summary>
    protected override Assembly? Load(AssemblyName assemblyName)
    {
        var path = Path.Combine(_folder, assemblyName.Name + ".dll");
        return File.Exists(path) ? LoadFromAssemblyPath(path) : null;
    }
}
