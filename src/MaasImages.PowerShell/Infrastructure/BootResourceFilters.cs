using MaasImages.Engine.Inventory;

namespace MaasImages.PowerShell.Infrastructure;

/// <summary>What the shared image filters (-Os, -Release, -Arch, -Subarch) and -Type select among saved boot resources.</summary>
internal static class BootResourceFilters
{
    public static BootResourceQuery Query(SharedParameterValues shared, MaasBootResourceType? type) => new()
    {
        Os = shared.Get<string[]?>(SharedParameters.Os) ?? [],
        Release = shared.Get<string[]?>(SharedParameters.Release) ?? [],
        Arch = shared.Get<string[]?>(SharedParameters.Arch) ?? [],
        Subarch = shared.Get<string[]?>(SharedParameters.Subarch) ?? [],
        Type = type,
    };
}
