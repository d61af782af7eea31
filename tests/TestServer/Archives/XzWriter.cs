using System.Buffers.Binary;

namespace MaasImages.TestServer;

/// <summary>
/// Writes a valid .xz file whose LZMA2 data is stored in uncompressed chunks: enough to wrap any
/// tar stream the tests build (hostile members included) without an xz encoder or external tool.
/// Layout per the .xz file format 1.1: stream header, one block (LZMA2 filter, CRC64 check),
/// index, stream footer.
/// </summary>
public static class XzWriter
{
    private const int ChunkSize = 64 * 1024;

    public static byte[] Wrap(ReadOnlySpan<byte> data)
    {
        using var output = new MemoryStream();
        // Stream header: magic, flags (check type 4 = CRC64), CRC32 of the flags.
        byte[] flags = [0x00, 0x04];
        output.Write([0xFD, (byte)'7', (byte)'z', (byte)'X', (byte)'Z', 0x00]);
        output.Write(flags);
        WriteUInt32(output, Crc32(flags));

        // Block header: size byte, block flags (one filter), LZMA2 filter id 0x21 with a 1-byte
        // dictionary property (0x10 = 1 MiB), padding to 4 bytes, CRC32.
        byte[] header = [0x02, 0x00, 0x21, 0x01, 0x10, 0x00, 0x00, 0x00];
        output.Write(header);
        WriteUInt32(output, Crc32(header));

        long compressedStart = output.Position;
        for (int offset = 0; offset < data.Length; offset += ChunkSize)
        {
            var chunk = data.Slice(offset, Math.Min(ChunkSize, data.Length - offset));
            output.WriteByte(offset == 0 ? (byte)0x01 : (byte)0x02); // uncompressed; the first resets the dictionary
            output.WriteByte((byte)((chunk.Length - 1) >> 8));
            output.WriteByte((byte)((chunk.Length - 1) & 0xFF));
            output.Write(chunk);
        }
        output.WriteByte(0x00); // end of LZMA2 data
        long unpaddedSize = header.Length + 4 + (output.Position - compressedStart) + 8;
        while (output.Position % 4 != 0) output.WriteByte(0);
        Span<byte> check = stackalloc byte[8];
        BinaryPrimitives.WriteUInt64LittleEndian(check, Crc64(data));
        output.Write(check);

        // Index: indicator, one record (unpadded size, uncompressed size), padding, CRC32.
        using var index = new MemoryStream();
        index.WriteByte(0x00);
        WriteVarint(index, 1);
        WriteVarint(index, (ulong)unpaddedSize);
        WriteVarint(index, (ulong)data.Length);
        while (index.Position % 4 != 0) index.WriteByte(0);
        var indexBytes = index.ToArray();
        output.Write(indexBytes);
        WriteUInt32(output, Crc32(indexBytes));

        // Stream footer: CRC32 of (backward size, flags), backward size, flags, magic.
        var backward = new byte[6];
        BinaryPrimitives.WriteUInt32LittleEndian(backward, (uint)((indexBytes.Length + 4) / 4 - 1));
        backward[4] = flags[0];
        backward[5] = flags[1];
        WriteUInt32(output, Crc32(backward));
        output.Write(backward);
        output.Write([(byte)'Y', (byte)'Z']);
        return output.ToArray();
    }

    private static void WriteUInt32(Stream stream, uint value)
    {
        Span<byte> bytes = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32LittleEndian(bytes, value);
        stream.Write(bytes);
    }

    private static void WriteVarint(Stream stream, ulong value)
    {
        while (value >= 0x80)
        {
            stream.WriteByte((byte)(value | 0x80));
            value >>= 7;
        }
        stream.WriteByte((byte)value);
    }

    private static readonly uint[] Crc32Table = BuildTable32(0xEDB88320u);
    private static readonly ulong[] Crc64Table = BuildTable64(0xC96C5795D7870F42ul);

    private static uint Crc32(ReadOnlySpan<byte> data)
    {
        uint crc = 0xFFFFFFFFu;
        foreach (var b in data) crc = Crc32Table[(crc ^ b) & 0xFF] ^ (crc >> 8);
        return ~crc;
    }

    private static ulong Crc64(ReadOnlySpan<byte> data)
    {
        ulong crc = ulong.MaxValue;
        foreach (var b in data) crc = Crc64Table[(crc ^ b) & 0xFF] ^ (crc >> 8);
        return ~crc;
    }

    private static uint[] BuildTable32(uint polynomial) => Enumerable.Range(0, 256).Select(i =>
    {
        uint value = (uint)i;
        for (int bit = 0; bit < 8; bit++) value = (value & 1) != 0 ? (value >> 1) ^ polynomial : value >> 1;
        return value;
    }).ToArray();

    private static ulong[] BuildTable64(ulong polynomial) => Enumerable.Range(0, 256).Select(i =>
    {
        ulong value = (ulong)i;
        for (int bit = 0; bit < 8; bit++) value = (value & 1) != 0 ? (value >> 1) ^ polynomial : value >> 1;
        return value;
    }).ToArray();
}
