namespace MaasImages.PowerShell.Tests; public class Placeholder { [Fact] public void Works() => Assert.True(true); }
