using System.Text;
using LlmEmbed.Tokenization;

namespace LlmEmbed.Tests.Tokenization;

/// <summary>NFC/NFD against Python's unicodedata (Unicode 14.0.0, the version the tables were generated from).</summary>
public class UnicodeNormalizationTests
{
    [Theory]
    [InlineData("e\u0301", "\u00E9", "e\u0301")]
    [InlineData("\u1E9B\u0323", "\u1E9B\u0323", "\u017F\u0323\u0307")]
    [InlineData("\uAC00\u11A8", "\uAC01", "\u1100\u1161\u11A8")]
    [InlineData("\u1100\u1161\u11A8", "\uAC01", "\u1100\u1161\u11A8")]
    [InlineData("a\u0328\u0301", "\u0105\u0301", "a\u0328\u0301")]
    [InlineData("\u0344", "\u0308\u0301", "\u0308\u0301")]
    [InlineData("\u212B", "\u00C5", "A\u030A")]
    [InlineData("\u0958", "\u0915\u093C", "\u0915\u093C")]
    [InlineData("\u00C4\u0323", "\u1EA0\u0308", "A\u0323\u0308")]
    [InlineData("q\u0307\u0323", "q\u0323\u0307", "q\u0323\u0307")]
    [InlineData("\uD55C\uAD6D\uC5B4", "\uD55C\uAD6D\uC5B4", "\u1112\u1161\u11AB\u1100\u116E\u11A8\u110B\u1165")]
    [InlineData("\u00C5\u0301x", "\u01FAx", "A\u030A\u0301x")]
    [InlineData("\U0001D15E", "\U0001D157\U0001D165", "\U0001D157\U0001D165")]
    [InlineData("caf\u00E9 vs cafe\u0301", "caf\u00E9 vs caf\u00E9", "cafe\u0301 vs cafe\u0301")]
    [InlineData("\u0301abc", "\u0301abc", "\u0301abc")]
    [InlineData("\u1100\u1161\u0301\u11A8", "\uAC00\u0301\u11A8", "\u1100\u1161\u0301\u11A8")]
    [InlineData("o\u0302\u0300\u0323", "\u1ED9\u0300", "o\u0323\u0302\u0300")]
    [InlineData("\u00E0\u0316", "\u00E0\u0316", "a\u0316\u0300")]
    public void MatchesPythonUnicodedata(string input, string nfc, string nfd)
    {
        Assert.Equal(nfc, UnicodeNormalization.Normalize(input, NormalizationForm.FormC));
        Assert.Equal(nfd, UnicodeNormalization.Normalize(input, NormalizationForm.FormD));
        Assert.Equal(nfc, UnicodeNormalization.Normalize(nfd, NormalizationForm.FormC));
    }

    [Fact]
    public void GoldenStringsAreStableUnderNfcOfNfd()
    {
        for (int i = 0; i < TokenizerGolden.Count; i++)
        {
            string text = TokenizerGolden.Text("qwen2", i);
            string nfc = UnicodeNormalization.Normalize(text, NormalizationForm.FormC);
            Assert.Equal(nfc, UnicodeNormalization.Normalize(UnicodeNormalization.Normalize(text, NormalizationForm.FormD), NormalizationForm.FormC));
            Assert.Equal(nfc, UnicodeNormalization.Normalize(nfc, NormalizationForm.FormC));
        }
        Assert.Throws<NotSupportedException>(() => UnicodeNormalization.Normalize("x", NormalizationForm.FormKC));
    }
}
