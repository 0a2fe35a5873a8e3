using System.Buffers.Binary;
using System.Text;
using NetVips;

namespace Checkup.Tests.Infrastructure;

/// <summary>Photos that carry what a phone writes about the person who took them: where, with what, and a note.</summary>
public static partial class TestImages
{
    public const string SecretMake = "SecretCam";
    public const string SecretSerial = "SN-0042-7781";
    public const string SecretComment = "Taken at 12 Example Street";

    /// <summary>
    /// A noisy RGB JPEG (pixels that a re-encode would change) with an sRGB ICC profile, EXIF (make, model,
    /// <paramref name="orientation"/>, serial number, maker note, GPS), XMP with GPS, IPTC (city, caption) and a comment.
    /// </summary>
    public static byte[] JpegWithPersonalMetadata(int width = 96, int height = 64, int orientation = 1)
    {
        using var noise = Noise(width, height);
        var encoded = noise.JpegsaveBuffer(q: 90, keep: Enums.ForeignKeep.Icc, profile: "srgb");
        // After SOI and JFIF's APP0, where cameras put their segments.
        var at = 2 + 2 + (encoded[4] << 8 | encoded[5]);
        using var output = new MemoryStream();
        output.Write(encoded.AsSpan(0, at));
        Segment(output, 0xE1, [.. "Exif\0\0"u8, .. PersonalExif(orientation)]);
        Segment(output, 0xE1, [.. "http://ns.adobe.com/xap/1.0/\0"u8, .. Encoding.UTF8.GetBytes(PersonalXmp)]);
        Segment(output, 0xED, PhotoshopIptc());
        Segment(output, 0xFE, Encoding.ASCII.GetBytes(SecretComment));
        output.Write(encoded.AsSpan(at));
        return output.ToArray();
    }

    /// <summary>A noisy PNG with an ICC profile, text chunks (a comment, a location), XMP in iTXt and EXIF in eXIf.</summary>
    public static byte[] PngWithPersonalMetadata(int width = 96, int height = 64)
    {
        using var noise = Noise(width, height);
        var encoded = noise.PngsaveBuffer(keep: Enums.ForeignKeep.Icc, profile: "srgb");
        const int afterIhdr = 8 + 25;
        using var output = new MemoryStream();
        output.Write(encoded.AsSpan(0, afterIhdr));
        Chunk(output, "tEXt", [.. "Comment\0"u8, .. Encoding.Latin1.GetBytes(SecretComment)]);
        Chunk(output, "tEXt", [.. "Location\0"u8, .. "51.5007 N, 0.1246 W"u8]);
        Chunk(output, "iTXt", [.. "XML:com.adobe.xmp\0\0\0\0\0"u8, .. Encoding.UTF8.GetBytes(PersonalXmp)]);
        Chunk(output, "eXIf", PersonalExif(orientation: 1));
        output.Write(encoded.AsSpan(afterIhdr));
        return output.ToArray();
    }

    /// <summary>A noisy lossless WebP with EXIF (GPS and all) and XMP chunks.</summary>
    public static byte[] WebPWithPersonalMetadata(int width = 96, int height = 64)
    {
        using var noise = Noise(width, height);
        using var tagged = noise.Mutate(m =>
        {
            m.Set(GValue.BlobType, "exif-data", (byte[])[.. "Exif\0\0"u8, .. PersonalExif(orientation: 1)]);
            m.Set(GValue.BlobType, "xmp-data", Encoding.UTF8.GetBytes(PersonalXmp));
        });
        return tagged.WebpsaveBuffer(lossless: true, keep: Enums.ForeignKeep.Exif | Enums.ForeignKeep.Xmp);
    }

    private static Image Noise(int width, int height)
    {
        using var r = Image.Gaussnoise(width, height, mean: 128, sigma: 60);
        using var g = Image.Gaussnoise(width, height, mean: 100, sigma: 50);
        using var b = Image.Gaussnoise(width, height, mean: 90, sigma: 40);
        using var joined = r.Bandjoin(g, b);
        using var bytes = joined.Cast(Enums.BandFormat.Uchar);
        return bytes.Copy(interpretation: Enums.Interpretation.Srgb);
    }

    private const string PersonalXmp = """
        <?xpacket begin="" id="W5M0MpCehiHzreSzNTczkc9d"?><x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"><rdf:Description rdf:about="" xmlns:exif="http://ns.adobe.com/exif/1.0/" xmlns:photoshop="http://ns.adobe.com/photoshop/1.0/" exif:GPSLatitude="51,30.04N" exif:GPSLongitude="0,7.48W" photoshop:City="London"/></rdf:RDF></x:xmpmeta><?xpacket end="w"?>
        """;

    /// <summary>EXIF as a big-endian TIFF: IFD0 (make, model, orientation), the EXIF IFD (serial number, maker note) and the GPS IFD.</summary>
    public static byte[] PersonalExif(int orientation)
    {
        List<IfdEntry> ifd0 =
        [
            Ascii(0x010F, SecretMake), Ascii(0x0110, "Model X"), new(0x0112, 3, 1, Short((ushort)orientation)),
            new(0x8769, 4, 1, new byte[4]), new(0x8825, 4, 1, new byte[4]),
        ];
        List<IfdEntry> exif = [new(0x927C, 7, 16, "SecretCam\0note42"u8.ToArray()), Ascii(0xA431, SecretSerial)];
        List<IfdEntry> gps =
        [
            new(0x0000, 1, 4, [2, 3, 0, 0]), Ascii(0x0001, "N"), new(0x0002, 5, 3, Rationals((51, 1), (30, 1), (240, 100))),
            Ascii(0x0003, "W"), new(0x0004, 5, 3, Rationals((0, 1), (7, 1), (2880, 100))),
        ];
        var exifAt = 8 + IfdSize(ifd0);
        var gpsAt = exifAt + IfdSize(exif);
        BinaryPrimitives.WriteUInt32BigEndian(ifd0[3].Value, (uint)exifAt);
        BinaryPrimitives.WriteUInt32BigEndian(ifd0[4].Value, (uint)gpsAt);
        using var tiff = new MemoryStream();
        tiff.Write("MM\0\x2A\0\0\0\x08"u8);
        WriteIfd(tiff, ifd0);
        WriteIfd(tiff, exif);
        WriteIfd(tiff, gps);
        return tiff.ToArray();
    }

    /// <summary>Photoshop's APP13: one 8BIM resource (IPTC-NAA) with a city and a caption.</summary>
    private static byte[] PhotoshopIptc()
    {
        using var iptc = new MemoryStream();
        foreach (var (dataset, text) in new[] { ((byte)90, "London"), ((byte)120, SecretComment) })
        {
            iptc.Write([0x1C, 2, dataset, 0, (byte)text.Length]);
            iptc.Write(Encoding.ASCII.GetBytes(text));
        }

        if (iptc.Length % 2 == 1)
        {
            iptc.WriteByte(0);
        }

        using var app13 = new MemoryStream();
        app13.Write("Photoshop 3.0\08BIM"u8);
        app13.Write([0x04, 0x04, 0, 0]); // resource id, empty name (padded)
        Span<byte> size = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(size, (uint)iptc.Length);
        app13.Write(size);
        app13.Write(iptc.ToArray());
        return app13.ToArray();
    }

    private sealed record IfdEntry(ushort Tag, ushort Type, uint Count, byte[] Value);

    private static IfdEntry Ascii(ushort tag, string text) => new(tag, 2, (uint)text.Length + 1, [.. Encoding.ASCII.GetBytes(text), 0]);

    private static byte[] Short(ushort value) => [(byte)(value >> 8), (byte)value];

    private static byte[] Rationals(params (uint Numerator, uint Denominator)[] values)
    {
        var bytes = new byte[values.Length * 8];
        for (var i = 0; i < values.Length; i++)
        {
            BinaryPrimitives.WriteUInt32BigEndian(bytes.AsSpan(i * 8), values[i].Numerator);
            BinaryPrimitives.WriteUInt32BigEndian(bytes.AsSpan(i * 8 + 4), values[i].Denominator);
        }

        return bytes;
    }

    /// <summary>The IFD (count, 12-byte entries, next-IFD offset) and the values longer than 4 bytes after it, each padded to even.</summary>
    private static int IfdSize(List<IfdEntry> entries) =>
        2 + 12 * entries.Count + 4 + entries.Where(e => e.Value.Length > 4).Sum(e => (e.Value.Length + 1) & ~1);

    private static void WriteIfd(MemoryStream tiff, List<IfdEntry> entries)
    {
        var start = (int)tiff.Length;
        var overflowAt = start + 2 + 12 * entries.Count + 4;
        var entry = new byte[12];
        using var overflow = new MemoryStream();
        tiff.Write(Short((ushort)entries.Count));
        foreach (var e in entries)
        {
            Array.Clear(entry);
            BinaryPrimitives.WriteUInt16BigEndian(entry, e.Tag);
            BinaryPrimitives.WriteUInt16BigEndian(entry.AsSpan(2), e.Type);
            BinaryPrimitives.WriteUInt32BigEndian(entry.AsSpan(4), e.Count);
            if (e.Value.Length <= 4)
            {
                e.Value.CopyTo(entry, 8);
            }
            else
            {
                BinaryPrimitives.WriteUInt32BigEndian(entry.AsSpan(8), (uint)(overflowAt + overflow.Length));
                overflow.Write(e.Value);
                if (e.Value.Length % 2 == 1)
                {
                    overflow.WriteByte(0);
                }
            }

            tiff.Write(entry);
        }

        tiff.Write(new byte[4]); // no next IFD
        tiff.Write(overflow.ToArray());
    }
}
