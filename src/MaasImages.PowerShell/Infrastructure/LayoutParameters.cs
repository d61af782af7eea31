using System.Management.Automation;
using MaasImages.Engine.Layout;

namespace MaasImages.PowerShell.Infrastructure;

/// <summary>Retention parameters belong to one layout each: given with the other, they would silently do nothing.</summary>
internal static class LayoutParameters
{
    public static void EnsureFits(PSCmdlet cmdlet, SaveLayout layout, IDictionary<string, object> bound)
    {
        var (wrong, right) = layout == SaveLayout.Rack ? ("KeepVersions", SaveLayout.Mirror) : ("KeepSnapshots", SaveLayout.Rack);
        if (!bound.ContainsKey(wrong)) return;
        cmdlet.ThrowTerminatingError(ErrorRecords.Create("LayoutParameterMismatch", ErrorCategory.InvalidArgument,
            $"-{wrong} applies to -Layout {right} only; this command saves with -Layout {layout}. Nothing was changed.", wrong));
    }
}
