namespace LlmEmbed.Tests.Support;

public class SmokeTests
{
    [Fact]
    public void TorchSharpNativeLibraryLoads()
    {
        using var t = TorchSharp.torch.ones(2, 3);
        Assert.Equal(6f, t.sum().item<float>());
    }
}
