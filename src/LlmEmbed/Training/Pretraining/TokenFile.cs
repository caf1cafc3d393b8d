using System.IO.MemoryMappedFiles;

namespace LlmEmbed.Training.Pretraining;

/// <summary>
/// A flat file of token ids (uint16 when the vocabulary fits, else int32), read through a memory map so a
/// corpus larger than memory streams from disk.
/// </summary>
public sealed class TokenFile : IDisposable
{
    private readonly MemoryMappedFile? map;
    private readonly MemoryMappedViewAccessor? view;

    public TokenFile(string path, int bytesPerToken)
    {
        if (bytesPerToken is not (2 or 4)) throw new ArgumentOutOfRangeException(nameof(bytesPerToken), bytesPerToken, "token width must be 2 or 4 bytes");
        Path = path;
        BytesPerToken = bytesPerToken;
        long length = new FileInfo(path).Length;
        if (length % bytesPerToken != 0) throw new InvalidDataException($"{path}: size {length} is not a multiple of the token width {bytesPerToken}: the cache is corrupt");
        Count = length / bytesPerToken;
        if (length > 0)
        {
            map = MemoryMappedFile.CreateFromFile(path, FileMode.Open, null, 0, MemoryMappedFileAccess.Read);
            view = map.CreateViewAccessor(0, length, MemoryMappedFileAccess.Read);
        }
    }

    public string Path { get; }
    public int BytesPerToken { get; }
    public long Count { get; }

    /// <summary>Copies tokens [start, start + destination.Length) into <paramref name="destination"/>.</summary>
    public void Read(long start, Span<long> destination)
    {
        if (start < 0 || start + destination.Length > Count)
            throw new ArgumentOutOfRangeException(nameof(start), $"tokens [{start}, {start + destination.Length}) outside {Path} ({Count} tokens)");
        for (int i = 0; i < destination.Length; i++)
        {
            long offset = (start + i) * BytesPerToken;
            destination[i] = BytesPerToken == 2 ? view!.ReadUInt16(offset) : view!.ReadInt32(offset);
        }
    }

    /// <summary>Appends token ids to a stream in the given width.</summary>
    public static void Write(Stream stream, ReadOnlySpan<int> ids, int bytesPerToken)
    {
        Span<byte> buffer = stackalloc byte[4];
        foreach (int id in ids)
        {
            if (bytesPerToken == 2)
            {
                if ((uint)id > ushort.MaxValue) throw new ArgumentOutOfRangeException(nameof(ids), id, "token id does not fit in 16 bits");
                System.Buffers.Binary.BinaryPrimitives.WriteUInt16LittleEndian(buffer, (ushort)id);
                stream.Write(buffer[..2]);
            }
            else
            {
                System.Buffers.Binary.BinaryPrimitives.WriteInt32LittleEndian(buffer, id);
                stream.Write(buffer);
            }
        }
    }

    public void Dispose()
    {
        view?.Dispose();
        map?.Dispose();
    }
}
