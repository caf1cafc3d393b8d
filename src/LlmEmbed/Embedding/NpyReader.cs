using System.Buffers.Binary;
using System.Text;
using System.Text.RegularExpressions;

namespace LlmEmbed.Embedding;

/// <summary>Reads the <c>.npy</c> files <see cref="NpyWriter"/> writes: little-endian float32, C order, two dimensions.</summary>
public static partial class NpyReader
{
    public static float[][] ReadFloat32(string path)
    {
        using var stream = File.OpenRead(path);
        using var reader = new BinaryReader(stream);
        var magic = reader.ReadBytes(8);
        if (magic.Length < 8 || magic[0] != 0x93 || Encoding.ASCII.GetString(magic, 1, 5) != "NUMPY")
            throw new InvalidDataException($"{path}: not a .npy file");
        int headerLength = magic[6] == 1 ? BinaryPrimitives.ReadUInt16LittleEndian(reader.ReadBytes(2)) : (int)BinaryPrimitives.ReadUInt32LittleEndian(reader.ReadBytes(4));
        string header = Encoding.ASCII.GetString(reader.ReadBytes(headerLength));
        var m = Header().Match(header);
        if (!m.Success) throw new InvalidDataException($"{path}: expected a little-endian float32 C-order matrix, header is {header.Trim()}");
        long rows = long.Parse(m.Groups[1].Value), dim = long.Parse(m.Groups[2].Value);
        long expected = stream.Position + rows * dim * 4;
        if (stream.Length != expected) throw new InvalidDataException($"{path}: {stream.Length} bytes, expected {expected} for shape ({rows}, {dim})");
        var result = new float[rows][];
        var buffer = new byte[dim * 4];
        for (long i = 0; i < rows; i++)
        {
            stream.ReadExactly(buffer);
            var row = new float[dim];
            for (int j = 0; j < dim; j++) row[j] = BinaryPrimitives.ReadSingleLittleEndian(buffer.AsSpan(j * 4));
            result[i] = row;
        }
        return result;
    }

    [GeneratedRegex(@"'descr':\s*'<f4',\s*'fortran_order':\s*False,\s*'shape':\s*\((\d+),\s*(\d+)\)")]
    private static partial Regex Header();
}
