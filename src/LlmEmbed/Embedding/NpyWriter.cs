using System.Buffers.Binary;
using System.Text;

namespace LlmEmbed.Embedding;

/// <summary>Writes NumPy <c>.npy</c> (format 1.0) files of little-endian float32 matrices.</summary>
public static class NpyWriter
{
    /// <summary>Writes rows (all of one length) as a C-order float32 array [rows, dim]; an empty list gives shape (0, <paramref name="emptyDim"/>).</summary>
    public static void WriteFloat32(string path, IReadOnlyList<float[]> rows, int emptyDim = 0)
    {
        int dim = rows.Count > 0 ? rows[0].Length : emptyDim;
        for (int i = 0; i < rows.Count; i++)
            if (rows[i].Length != dim) throw new ArgumentException($"row {i} has {rows[i].Length} values, row 0 has {dim}", nameof(rows));
        string dict = $"{{'descr': '<f4', 'fortran_order': False, 'shape': ({rows.Count}, {dim}), }}";
        // magic (6) + version (2) + header length (2) + header, padded with spaces and ending in \n to a multiple of 64.
        int total = (10 + dict.Length + 1 + 63) / 64 * 64;
        string header = dict.PadRight(total - 10 - 1) + "\n";
        string full = Path.GetFullPath(path);
        string tmp = full + ".tmp";
        using (var stream = new FileStream(tmp, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 20))
        {
            stream.Write([0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y', 1, 0]);
            Span<byte> len = stackalloc byte[2];
            BinaryPrimitives.WriteUInt16LittleEndian(len, (ushort)header.Length);
            stream.Write(len);
            stream.Write(Encoding.ASCII.GetBytes(header));
            var buffer = new byte[dim * 4];
            foreach (var row in rows)
            {
                for (int j = 0; j < dim; j++) BinaryPrimitives.WriteSingleLittleEndian(buffer.AsSpan(j * 4), row[j]);
                stream.Write(buffer);
            }
        }
        File.Move(tmp, full, overwrite: true);
    }
}
