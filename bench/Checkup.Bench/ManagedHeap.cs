using System.Diagnostics;
using System.Globalization;
using System.Net.Sockets;
using System.Text;

namespace Checkup.Bench;

/// <summary>
/// The managed heap of a process started with the bench's GC probe (bench/GcProbe, a startup hook): its Unix socket
/// <c>&lt;folder&gt;/&lt;pid&gt;.sock</c>, one command per connection.
/// </summary>
public sealed class ManagedHeap(string folder, int pid)
{
    /// <summary>The probe's assembly, which Checkup.Bench's build puts beside its own.</summary>
    public static string HookAssembly => Path.Combine(AppContext.BaseDirectory, "Checkup.Bench.GcProbe.dll");

    private string Socket => Path.Combine(folder, $"{pid}.sock");

    /// <summary>A full, blocking, compacting GC in the process; then its heap size and the memory the GC holds from the OS.</summary>
    public async Task<(long Heap, long Committed)> CollectAsync()
    {
        var parts = (await AskAsync("collect")).Split(' ');
        return (long.Parse(parts[0], CultureInfo.InvariantCulture), long.Parse(parts[1], CultureInfo.InvariantCulture));
    }

    /// <summary>Every byte the process has allocated on the managed heap so far.</summary>
    public async Task<long> AllocatedAsync() => long.Parse(await AskAsync("allocated"), CultureInfo.InvariantCulture);

    /// <summary>Starts sampling the heap size every 2 ms in the process; <see cref="PeakAsync"/> ends it.</summary>
    public Task WatchAsync() => AskAsync("watch");

    /// <summary>The highest heap size since <see cref="WatchAsync"/>.</summary>
    public async Task<long> PeakAsync() => long.Parse(await AskAsync("peak"), CultureInfo.InvariantCulture);

    /// <summary>Waits until the process's probe listens (the hook runs before the process's Main).</summary>
    public async Task WaitReadyAsync(TimeSpan within)
    {
        var clock = Stopwatch.StartNew();
        while (!File.Exists(Socket))
        {
            if (clock.Elapsed > within)
            {
                throw new TimeoutException($"No GC probe socket {Socket}: was the process started with DOTNET_STARTUP_HOOKS={HookAssembly}?");
            }

            await Task.Delay(20);
        }
    }

    private async Task<string> AskAsync(string command)
    {
        using var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        await socket.ConnectAsync(new UnixDomainSocketEndPoint(Socket));
        await socket.SendAsync(Encoding.ASCII.GetBytes(command + "\n"));
        var buffer = new byte[128];
        var read = 0;
        int n;
        while ((n = await socket.ReceiveAsync(buffer.AsMemory(read))) > 0)
        {
            read += n;
            if (buffer[read - 1] == '\n')
            {
                break;
            }
        }

        var answer = Encoding.ASCII.GetString(buffer, 0, read).Trim();
        return answer.StartsWith("error", StringComparison.Ordinal) || answer.Length == 0
            ? throw new InvalidOperationException($"GC probe of process {pid}: '{command}' answered '{answer}'")
            : answer;
    }
}
