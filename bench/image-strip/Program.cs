using System.Diagnostics;
using System.Globalization;
using Checkup.Core.Images;
using ImageMagick;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using NetVips;
using SixLabors.ImageSharp.Formats.Jpeg;

// What removing personal metadata from one photo costs, per library: time (median of the rounds after a warm-up)
// and memory (peak RSS over the process's RSS before the first image), each candidate in a process of its own so
// one's peak cannot hide another's. Ratios are against the baseline from the same run: libvips decoding the same
// file completely (what any of them must do at least). See README.md.
if (args is ["one", var candidate, var file, var roundsText])
{
    return One(candidate, File.ReadAllBytes(file), int.Parse(roundsText, CultureInfo.InvariantCulture));
}

var megapixels = args.Length > 0 ? double.Parse(args[0], CultureInfo.InvariantCulture) : 12;
var rounds = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 5;
var photo = Photo.Make(megapixels);
var path = Path.Combine(Path.GetTempPath(), $"image-strip-{Environment.ProcessId}.jpg");
File.WriteAllBytes(path, photo);
Console.WriteLine($"A {megapixels} MP photo-like JPEG with EXIF (GPS), XMP, IPTC and an ICC profile: {photo.Length / 1024.0 / 1024:0.00} MiB; {rounds} rounds after one warm-up, each library in its own process.");
Console.WriteLine();
Console.WriteLine("| candidate | ms per image (median) | x baseline | peak RSS growth MiB | x baseline | output MiB | max pixel difference | metadata left |");
Console.WriteLine("|---|---|---|---|---|---|---|---|");
string[] candidates = ["baseline: libvips full decode only", "checkup: libvips decode + LibJpeg.NET lossless", "NetVips re-encode q90", "Magick.NET strip + re-encode q90", "ImageSharp 2.1.13 re-encode q90"];
(double Ms, double Mib)? baseline = null;
foreach (var name in candidates)
{
    var start = new ProcessStartInfo(Environment.ProcessPath!) { RedirectStandardOutput = true };
    foreach (var a in new[] { "one", name, path, rounds.ToString(CultureInfo.InvariantCulture) })
    {
        start.ArgumentList.Add(a);
    }

    using var child = Process.Start(start)!;
    var line = child.StandardOutput.ReadToEnd().Trim().Split('\n')[^1];
    child.WaitForExit();
    var f = line.Split('\t');
    var (ms, mib) = (double.Parse(f[0], CultureInfo.InvariantCulture), double.Parse(f[1], CultureInfo.InvariantCulture));
    baseline ??= (ms, mib);
    Console.WriteLine($"| {name} | {ms:0} | {ms / baseline.Value.Ms:0.00} | {mib:0.0} | {mib / baseline.Value.Mib:0.00} | {f[2]} | {f[3]} | {f[4]} |");
}

File.Delete(path);
return 0;

static int One(string candidate, byte[] photo, int rounds)
{
    var rssBefore = Status("VmRSS");
    Func<byte[], byte[]?> run = candidate switch
    {
        _ when candidate.StartsWith("baseline", StringComparison.Ordinal) => bytes =>
        {
            using var image = NetVips.Image.JpegloadBuffer(bytes, access: Enums.Access.Sequential, failOn: Enums.FailOn.Error);
            _ = image.Avg();
            return null;
        },
        _ when candidate.StartsWith("checkup", StringComparison.Ordinal) => Checkup(),
        _ when candidate.StartsWith("NetVips", StringComparison.Ordinal) => bytes =>
        {
            using var image = NetVips.Image.JpegloadBuffer(bytes, access: Enums.Access.Sequential, failOn: Enums.FailOn.Error);
            return image.JpegsaveBuffer(q: 90, keep: Enums.ForeignKeep.Icc);
        },
        _ when candidate.StartsWith("Magick", StringComparison.Ordinal) => bytes =>
        {
            using var image = new MagickImage(bytes);
            var icc = image.GetColorProfile();
            image.Strip();
            if (icc is not null)
            {
                image.SetProfile(icc);
            }

            image.Quality = 90;
            return image.ToByteArray(MagickFormat.Jpeg);
        },
        _ => bytes =>
        {
            using var image = SixLabors.ImageSharp.Image.Load(bytes);
            image.Metadata.ExifProfile = null;
            image.Metadata.XmpProfile = null;
            image.Metadata.IptcProfile = null;
            using var output = new MemoryStream();
            image.Save(output, new JpegEncoder { Quality = 90 });
            return output.ToArray();
        },
    };

    byte[]? result = run(photo); // warm-up
    var times = new List<double>();
    for (var i = 0; i < rounds; i++)
    {
        var started = Stopwatch.GetTimestamp();
        result = run(photo);
        times.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
    }

    var growth = (Status("VmHWM") - rssBefore) / 1024.0;
    times.Sort();
    var (size, difference, left) = result is null ? ("-", "-", "-") : Describe(photo, result);
    Console.WriteLine(string.Join('\t', times[times.Count / 2].ToString("0.0", CultureInfo.InvariantCulture), growth.ToString("0.0", CultureInfo.InvariantCulture), size, difference, left));
    return 0;
}

static Func<byte[], byte[]?> Checkup()
{
    var sanitizer = new ImageSanitizer(Options.Create(new ImageOptions()), NullLogger<ImageSanitizer>.Instance);
    return bytes => sanitizer.Sanitize(bytes, "image/jpeg").Image?.Bytes ?? throw new InvalidOperationException("refused");
}

static (string Size, string Difference, string Left) Describe(byte[] original, byte[] result)
{
    using var a = NetVips.Image.NewFromBuffer(original);
    using var b = NetVips.Image.NewFromBuffer(result);
    using var difference = (a - b).Abs();
    var left = new List<string>();
    foreach (var (field, label) in new[] { ("exif-data", "EXIF"), ("xmp-data", "XMP"), ("iptc-data", "IPTC"), ("icc-profile-data", "ICC") })
    {
        if (b.Contains(field))
        {
            left.Add(label);
        }
    }

    return ((result.Length / 1024.0 / 1024).ToString("0.00", CultureInfo.InvariantCulture), difference.Max().ToString("0", CultureInfo.InvariantCulture),
        left.Count == 0 ? "none" : string.Join(", ", left) + (left.SequenceEqual(["ICC"]) ? " (kept on purpose)" : ""));
}

static long Status(string key) =>
    long.Parse(File.ReadLines("/proc/self/status").First(l => l.StartsWith(key + ":", StringComparison.Ordinal)).Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture);
