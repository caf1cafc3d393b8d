namespace LlmEmbed.Statistics;

/// <summary>A reduced fraction k / 2^m, the form every exact sign-pattern p-value takes.</summary>
public readonly record struct ExactFraction(long Numerator, long Denominator)
{
    /// <summary>Reduces <paramref name="numerator"/> / 2^<paramref name="log2Denominator"/> by common factors of two.</summary>
    public static ExactFraction OverPowerOfTwo(long numerator, int log2Denominator)
    {
        if (numerator < 0) throw new ArgumentOutOfRangeException(nameof(numerator), "numerator must be non-negative");
        if (log2Denominator is < 0 or > 62) throw new ArgumentOutOfRangeException(nameof(log2Denominator), "denominator must be 2^0..2^62");
        if (numerator == 0) return new ExactFraction(0, 1);
        int shift = Math.Min(log2Denominator, System.Numerics.BitOperations.TrailingZeroCount(numerator));
        return new ExactFraction(numerator >> shift, 1L << (log2Denominator - shift));
    }

    public double Value => (double)Numerator / Denominator;

    public override string ToString() => $"{Numerator}/{Denominator}";
}
