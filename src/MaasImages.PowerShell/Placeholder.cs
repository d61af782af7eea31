namespace MaasImages.PowerShell; internal static class Placeholder { }
