using static TorchSharp.torch;

namespace LlmEmbed.Checkpoints;

/// <summary>One tensor described by a safetensors header; offsets are relative to the data area.</summary>
public sealed record SafeTensorsEntry(string Name, ScalarType DType, long[] Shape, long Begin, long End)
{
    public long ByteLength => End - Begin;
}
