namespace LlmEmbed.Bench;

internal static class EvalBenchmark
{
    public static void Run(BenchSettings s, ResultSink sink) => throw new NotImplementedException();
}
