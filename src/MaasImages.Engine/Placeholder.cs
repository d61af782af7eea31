namespace MaasImages.Engine; internal static class Placeholder { }
