namespace LlmEmbed.Bench;

internal static class TrainBenchmark
{
    public static void Run(BenchSettings s, ResultSink sink) => throw new NotImplementedException();
}
