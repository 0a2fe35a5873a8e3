using System.Text;
using NetVips;

/// <summary>
/// A photo-like JPEG (smooth gradients under mild sensor noise, 4:2:0 at quality 90, as phones write them) with the
/// segments a phone adds: EXIF with GPS, XMP, IPTC and an sRGB ICC profile.
/// </summary>
internal static class Photo
{
    public static byte[] Make(double megapixels)
    {
        var width = (int)Math.Round(Math.Sqrt(megapixels * 1e6 * 4 / 3));
        var height = width * 3 / 4;
        using var x = Image.Xyz(width, height);
        using var across = x.ExtractBand(0);
        using var down = x.ExtractBand(1);
        using var red = across * (255.0 / width);
        using var green = down * (255.0 / height);
        using var blue = across * (-128.0 / width) + 200;
        using var gradient = red.Bandjoin(green, blue);
        using var noise = Image.Gaussnoise(width, height, mean: 0, sigma: 6);
        using var noisy = gradient.Add(noise);
        using var pixels = noisy.Cast(Enums.BandFormat.Uchar).Copy(interpretation: Enums.Interpretation.Srgb);
        using var tagged = pixels.Mutate(m =>
        {
            m.Set(GValue.GIntType, "orientation", 1);
            m.Set(GValue.GStrType, "exif-ifd0-Make", "SecretCam (SecretCam, ASCII, 10 components, 10 bytes)");
            m.Set(GValue.GStrType, "exif-ifd3-GPSLatitudeRef", "N (N, ASCII, 2 components, 2 bytes)");
            m.Set(GValue.GStrType, "exif-ifd3-GPSLatitude", "51/1 30/1 240/100 (51, 30, 2.40, Rational, 3 components, 24 bytes)");
            m.Set(GValue.BlobType, "xmp-data", Encoding.UTF8.GetBytes("<x:xmpmeta xmlns:x=\"adobe:ns:meta/\"><rdf:RDF xmlns:rdf=\"http://www.w3.org/1999/02/22-rdf-syntax-ns#\"><rdf:Description rdf:about=\"\" xmlns:exif=\"http://ns.adobe.com/exif/1.0/\" exif:GPSLatitude=\"51,30.04N\"/></rdf:RDF></x:xmpmeta>"));
            m.Set(GValue.BlobType, "iptc-data", "Photoshop 3.0\08BIM\x04\x04\0\0\0\0\0\x0b\x1c\x02\x5a\0\x06London\0"u8.ToArray());
        });
        return tagged.JpegsaveBuffer(q: 90, keep: Enums.ForeignKeep.All, profile: "srgb", subsampleMode: Enums.ForeignSubsample.On);
    }
}
