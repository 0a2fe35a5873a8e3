namespace Checkup.Core.Images;

/// <summary>
/// The JPEG part: walks the segments after FF D8, skipping each by its length field without keeping its bytes,
/// until the frame header (SOFn) gives height and width.
/// </summary>
internal sealed partial class ImageSniffer
{
    private ReadOnlySpan<byte> FeedJpeg(ReadOnlySpan<byte> data)
    {
        while (!data.IsEmpty && !Decided)
        {
            if (_jpeg == JpegState.Skip)
            {
                var skipped = (int)Math.Min(_skip, data.Length);
                _skip -= skipped;
                data = data[skipped..];
                if (_skip == 0)
                {
                    _jpeg = JpegState.ExpectFF;
                }

                continue;
            }

            var b = data[0];
            data = data[1..];
            switch (_jpeg)
            {
                case JpegState.ExpectFF:
                    if (b != 0xFF)
                    {
                        Problem = "The JPEG is corrupt (a segment does not start with a marker).";
                    }
                    else
                    {
                        _jpeg = JpegState.Marker;
                    }

                    break;
                case JpegState.Marker:
                    if (b == 0xFF)
                    {
                        break; // fill byte
                    }

                    if (b is 0xD9 or 0xDA)
                    {
                        Problem = "The JPEG has no frame header (width and height) before its image data.";
                    }
                    else if (b == 0x00)
                    {
                        Problem = "The JPEG is corrupt (stray byte between segments).";
                    }
                    else if (b is 0x01 or 0xD8 or (>= 0xD0 and <= 0xD7))
                    {
                        _jpeg = JpegState.ExpectFF; // markers without a length
                    }
                    else
                    {
                        _marker = b;
                        _jpeg = JpegState.Length1;
                    }

                    break;
                case JpegState.Length1:
                    _segmentLength = b << 8;
                    _jpeg = JpegState.Length2;
                    break;
                case JpegState.Length2:
                    _segmentLength |= b;
                    if (_segmentLength < 2)
                    {
                        Problem = "The JPEG is corrupt (a segment is shorter than its own length field).";
                    }
                    else if (IsStartOfFrame(_marker))
                    {
                        _frameLength = 0;
                        _jpeg = JpegState.Frame;
                    }
                    else
                    {
                        _skip = _segmentLength - 2;
                        _jpeg = _skip == 0 ? JpegState.ExpectFF : JpegState.Skip;
                    }

                    break;
                case JpegState.Frame:
                    _frame[_frameLength++] = b;
                    if (_frameLength == _frame.Length)
                    {
                        // precision, height (2), width (2)
                        Accept("image/jpeg", (uint)(_frame[3] << 8 | _frame[4]), (uint)(_frame[1] << 8 | _frame[2]));
                    }

                    break;
            }
        }

        return data;
    }

    /// <summary>SOF0..SOF15, except DHT (C4), JPG (C8) and DAC (CC), which share the range.</summary>
    private static bool IsStartOfFrame(byte marker) => marker is >= 0xC0 and <= 0xCF and not 0xC4 and not 0xC8 and not 0xCC;
}
