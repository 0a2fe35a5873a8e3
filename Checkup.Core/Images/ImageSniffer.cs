using System.Buffers.Binary;

namespace Checkup.Core.Images;

public sealed record ImageHeader(string ContentType, int Width, int Height)
{
    public long Pixels => (long)Width * Height;
}

/// <summary>
/// Decides the type of an image from its first bytes (JPEG, PNG, WebP, GIF; never from a name or a client's
/// header) and reads its width and height, fed chunk by chunk while the upload streams: it keeps at most
/// <see cref="HeadLength"/> bytes, and walks JPEG segments by skipping their lengths, so memory does not grow
/// with the file.
/// </summary>
internal sealed partial class ImageSniffer
{
    /// <summary>Enough for every signature and the PNG, GIF and WebP size fields.</summary>
    private const int HeadLength = 30;

    private static ReadOnlySpan<byte> PngSignature => [0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A];

    private readonly byte[] _head = new byte[HeadLength];
    private int _headLength;
    private JpegState _jpeg = JpegState.NotJpeg;
    private byte _marker;
    private int _segmentLength;
    private long _skip;
    private readonly byte[] _frame = new byte[5];
    private int _frameLength;

    public ImageHeader? Header { get; private set; }

    /// <summary>Why the bytes are not an allowed image; null while undecided or when they are.</summary>
    public string? Problem { get; private set; }

    public bool Decided => Header is not null || Problem is not null;

    /// <summary>The allowed type, once known (a JPEG's size may still be pending); null otherwise.</summary>
    public string? ContentType => Problem is not null ? null : Header?.ContentType ?? (_jpeg != JpegState.NotJpeg ? "image/jpeg" : null);

    public void Feed(ReadOnlySpan<byte> data)
    {
        while (!data.IsEmpty && !Decided)
        {
            if (_jpeg != JpegState.NotJpeg)
            {
                data = FeedJpeg(data);
                continue;
            }

            var take = Math.Min(HeadLength - _headLength, data.Length);
            data[..take].CopyTo(_head.AsSpan(_headLength));
            _headLength += take;
            data = data[take..];
            if (_headLength == HeadLength)
            {
                Classify(final: false);
            }
            else if (_headLength >= 3 && IsJpegStart(_head))
            {
                Classify(final: false);
            }
        }
    }

    /// <summary>The file ended: anything still undecided is refused.</summary>
    public void Finish()
    {
        if (Decided)
        {
            return;
        }

        if (_jpeg != JpegState.NotJpeg)
        {
            Problem = "The JPEG ends before its frame header (width and height).";
            return;
        }

        Classify(final: true);
        if (!Decided)
        {
            Problem = _headLength == 0 ? "The file is empty." : "The file is too short to be an image.";
        }
    }

    private void Classify(bool final)
    {
        var head = _head.AsSpan(0, _headLength);
        if (head.Length >= 3 && IsJpegStart(head))
        {
            // The segments start after FF D8; feed the bytes already held back through the segment walker.
            _jpeg = JpegState.ExpectFF;
            var rest = head[2..].ToArray();
            _headLength = 0;
            FeedJpeg(rest);
            return;
        }

        if (head.Length >= 24 && head[..8].SequenceEqual(PngSignature) && head[12..16].SequenceEqual("IHDR"u8))
        {
            Accept("image/png", BinaryPrimitives.ReadUInt32BigEndian(head[16..]), BinaryPrimitives.ReadUInt32BigEndian(head[20..]));
        }
        else if (head.Length >= 10 && (head[..6].SequenceEqual("GIF87a"u8) || head[..6].SequenceEqual("GIF89a"u8)))
        {
            Accept("image/gif", BinaryPrimitives.ReadUInt16LittleEndian(head[6..]), BinaryPrimitives.ReadUInt16LittleEndian(head[8..]));
        }
        else if (head.Length >= 16 && head[..4].SequenceEqual("RIFF"u8) && head[8..12].SequenceEqual("WEBP"u8))
        {
            ClassifyWebP(head, final);
        }
        else if (head.Length == HeadLength || final)
        {
            Problem = "The file is not a JPEG, PNG, WebP or GIF image.";
        }
    }

    private void ClassifyWebP(ReadOnlySpan<byte> head, bool final)
    {
        var chunk = head[12..16];
        if (chunk.SequenceEqual("VP8X"u8) && head.Length >= 30)
        {
            Accept("image/webp", 1 + ReadUInt24(head[24..]), 1 + ReadUInt24(head[27..]));
        }
        else if (chunk.SequenceEqual("VP8L"u8) && head.Length >= 25 && head[20] == 0x2F)
        {
            var bits = BinaryPrimitives.ReadUInt32LittleEndian(head[21..]);
            Accept("image/webp", (bits & 0x3FFF) + 1, ((bits >> 14) & 0x3FFF) + 1);
        }
        else if (chunk.SequenceEqual("VP8 "u8) && head.Length >= 30 && head[23] == 0x9D && head[24] == 0x01 && head[25] == 0x2A)
        {
            Accept("image/webp", BinaryPrimitives.ReadUInt16LittleEndian(head[26..]) & 0x3FFFu, BinaryPrimitives.ReadUInt16LittleEndian(head[28..]) & 0x3FFFu);
        }
        else if (head.Length == HeadLength || final)
        {
            Problem = "The WebP file has no readable image header.";
        }
    }

    private void Accept(string contentType, uint width, uint height)
    {
        if (width == 0 || height == 0 || width > int.MaxValue || height > int.MaxValue)
        {
            Problem = "The image declares no usable width and height.";
            return;
        }

        Header = new ImageHeader(contentType, (int)width, (int)height);
    }

    private static bool IsJpegStart(ReadOnlySpan<byte> head) => head[0] == 0xFF && head[1] == 0xD8 && head[2] == 0xFF;

    private static uint ReadUInt24(ReadOnlySpan<byte> b) => (uint)(b[0] | b[1] << 8 | b[2] << 16);

    private enum JpegState { NotJpeg, ExpectFF, Marker, Length1, Length2, Skip, Frame }
}
