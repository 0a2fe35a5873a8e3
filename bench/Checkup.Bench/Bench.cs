using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Nodes;
using Npgsql;

namespace Checkup.Bench;

/// <summary>What every verb shares: the stack's settings (as <c>./checkup stack</c> prints them), files, helpers.</summary>
public static class Bench
{
    public static string Postgres => Required("ConnectionStrings__Postgres");
    public static string Storage => Required("AzureWebJobsStorage");

    /// <summary>The published Checkup.Functions worker (self-contained linux-x64, Release): the host's script root.</summary>
    public static string WorkerDirectory => Required("CHECKUP_BENCH_WORKER");

    /// <summary>tools/FunctionsHost's FunctionsHost.dll (Release), the local Functions host every verb starts the worker under.</summary>
    public static string FunctionsHost => Required("CHECKUP_BENCH_HOST");

    /// <summary>The Functions host on <paramref name="port"/> for the worker published in <paramref name="scriptRoot"/>.</summary>
    public static ProcessStartInfo HostStart(string scriptRoot, int port)
    {
        var start = new ProcessStartInfo("dotnet", [FunctionsHost, "--script-root", scriptRoot, "--port", port.ToString(System.Globalization.CultureInfo.InvariantCulture)])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = scriptRoot,
        };
        start.Environment["AZURE_FUNCTIONS_ENVIRONMENT"] = "Production";
        return start;
    }

    /// <summary>A child process of <paramref name="pid"/> (the host's worker), from each process's parent in <c>/proc/&lt;pid&gt;/stat</c>.</summary>
    public static int? ChildOf(int pid)
    {
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (int.TryParse(Path.GetFileName(dir), out var candidate))
            {
                try
                {
                    // After "(comm)": state is [0], ppid [1].
                    var fields = File.ReadAllText(Path.Combine(dir, "stat")).Split(')')[^1].Split(' ', StringSplitOptions.RemoveEmptyEntries);
                    if (fields[1] == pid.ToString(System.Globalization.CultureInfo.InvariantCulture))
                    {
                        return candidate;
                    }
                }
                catch (IOException)
                {
                }
            }
        }

        return null;
    }

    /// <summary>Logs of the system under test, wrk/pgbench scripts and results.jsonl.</summary>
    public static string OutputDirectory { get; } = Directory.CreateDirectory(
        Environment.GetEnvironmentVariable("CHECKUP_BENCH_OUT") is { Length: > 0 } dir ? dir : Path.Combine(Path.GetTempPath(), "checkup-bench")).FullName;

    public static string ResultsFile => Path.Combine(OutputDirectory, "results.jsonl");

    /// <summary>Prints the result and appends it to results.jsonl for <c>report</c>.</summary>
    public static void Record(string kind, object result)
    {
        var node = JsonSerializer.SerializeToNode(result)!.AsObject();
        node.Insert(0, "kind", kind);
        node["at"] = DateTimeOffset.UtcNow.ToString("O");
        var line = node.ToJsonString();
        Console.WriteLine(line);
        File.AppendAllText(ResultsFile, line + Environment.NewLine);
    }

    public static async Task SqlAsync(string connectionString, string sql, string? database = null)
    {
        var builder = new NpgsqlConnectionStringBuilder(connectionString) { Pooling = false };
        if (database is not null)
        {
            builder.Database = database;
        }

        await using var connection = new NpgsqlConnection(builder.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection) { CommandTimeout = 600 };
        await command.ExecuteNonQueryAsync();
    }

    /// <summary>Runs a tool to its end; its stdout, or an exception with its stderr when it fails.</summary>
    public static async Task<string> RunToolAsync(string file, IEnumerable<string> args, IDictionary<string, string>? environment = null)
    {
        var start = new ProcessStartInfo(file, args) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var (key, value) in environment ?? new Dictionary<string, string>())
        {
            start.Environment[key] = value;
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException($"{file} did not start");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{file} {string.Join(' ', start.ArgumentList)} exited with {process.ExitCode}: {await stderr}{await stdout}");
        }

        return await stdout;
    }

    /// <summary>
    /// A real JPEG of about <paramref name="bytes"/> (noise, so the size follows the pixel count) carrying EXIF with GPS,
    /// XMP, IPTC and a comment: what ProcessImage decodes and cleans before every push.
    /// </summary>
    public static byte[] Photo(int bytes)
    {
        var pixels = Math.Max(64 * 48, bytes / 2.3);
        var width = (int)Math.Sqrt(pixels * 4 / 3);
        return Checkup.Tests.Infrastructure.TestImages.JpegWithPersonalMetadata(width, width * 3 / 4);
    }

    /// <summary>A PNG the upload accepts (signature and IHDR; the rest random): the upload reads headers, not pixels; ProcessImage would refuse it.</summary>
    public static byte[] Png(int size, int seed = 7)
    {
        var bytes = new byte[size];
        new Random(seed).NextBytes(bytes);
        byte[] header = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 13, 0x49, 0x48, 0x44, 0x52, 0, 0, 0x0F, 0xA0, 0, 0, 0x0B, 0xB8, 8, 2, 0, 0, 0];
        header.CopyTo(bytes, 0); // 4000x3000
        return bytes;
    }

    /// <summary>CPU seconds (user + system) a process has used so far; 0 when it is unknown or gone.</summary>
    public static double CpuSeconds(int? pid) => StatTicks(pid, utime: true, children: false) / 100.0;

    /// <summary>CPU seconds (user + system) of this process's children that have ended and been waited for (wrk, pgbench).</summary>
    public static double ChildrenCpuSeconds() => StatTicks(Environment.ProcessId, utime: false, children: true) / 100.0;

    /// <summary>
    /// Clock ticks (1/100 s) from <c>/proc/&lt;pid&gt;/stat</c>: the process's own utime + stime and/or cutime + cstime, the
    /// time of its children it has waited for. 0 when the process is unknown or gone.
    /// </summary>
    public static long StatTicks(int? pid, bool utime, bool children)
    {
        try
        {
            // Fields after "(comm)": state is [0], utime [11], stime [12], cutime [13], cstime [14].
            var fields = File.ReadAllText($"/proc/{pid}/stat").Split(')')[^1].Split(' ', StringSplitOptions.RemoveEmptyEntries);
            long Field(int i) => long.Parse(fields[i], System.Globalization.CultureInfo.InvariantCulture);
            return (utime ? Field(11) + Field(12) : 0) + (children ? Field(13) + Field(14) : 0);
        }
        catch (Exception e) when (e is IOException or FormatException or IndexOutOfRangeException or UnauthorizedAccessException)
        {
            return 0;
        }
    }

    /// <summary>Azurite's process (bench/run passes it), to see how much of a measurement's CPU is the emulator's.</summary>
    public static int? AzuritePid => int.TryParse(Environment.GetEnvironmentVariable("CHECKUP_BENCH_AZURITE_PID"), out var pid) ? pid : null;

    public static double Round(double value, int digits = 1) => Math.Round(value, digits, MidpointRounding.AwayFromZero);

    public static double Median(IReadOnlyList<double> values)
    {
        var sorted = values.Order().ToArray();
        return sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[sorted.Length / 2 - 1] + sorted[sorted.Length / 2]) / 2;
    }

    public static JsonObject? Last(string kind) => File.Exists(ResultsFile)
        ? File.ReadLines(ResultsFile).Select(l => JsonNode.Parse(l)!.AsObject()).LastOrDefault(o => (string?)o["kind"] == kind)
        : null;

    private static string Required(string name) => Environment.GetEnvironmentVariable(name) is { Length: > 0 } value
        ? value
        : throw new InvalidOperationException($"{name} is not set: run bench/run, which starts the stack, publishes the app and sets it.");
}
