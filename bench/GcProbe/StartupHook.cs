using System.Globalization;
using System.Net.Sockets;
using System.Text;

/// <summary>
/// Lets the bench read the managed heap of a process it did not write: loaded by the runtime before <c>Main</c> when
/// <c>DOTNET_STARTUP_HOOKS</c> names this assembly, and active only when <c>CHECKUP_BENCH_GC_PROBE</c> names a folder.
/// It then answers one command per connection on the Unix socket <c>&lt;folder&gt;/&lt;pid&gt;.sock</c>, one line each way:
/// <list type="bullet">
/// <item><c>collect</c>: a full, blocking, compacting GC, then the heap size and the GC's committed bytes;</item>
/// <item><c>allocated</c>: the bytes the process has allocated so far (precise);</item>
/// <item><c>watch</c>: from now on, the highest heap size, sampled every 2 ms; <c>peak</c> answers it and stops.</item>
/// </list>
/// The process's own code is untouched; what the probe adds is one thread blocked on the socket and, between
/// <c>watch</c> and <c>peak</c>, one that reads a counter every 2 ms (neither allocates while it waits or samples).
/// </summary>
internal static class StartupHook
{
    private static readonly ManualResetEventSlim s_watching = new();
    private static long s_peak;
    private static Thread? s_sampler;

    public static void Initialize()
    {
        if (Environment.GetEnvironmentVariable("CHECKUP_BENCH_GC_PROBE") is not { Length: > 0 } folder)
        {
            return;
        }

        var path = Path.Combine(folder, $"{Environment.ProcessId}.sock");
        File.Delete(path);
        var listener = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        listener.Bind(new UnixDomainSocketEndPoint(path));
        listener.Listen(4);
        new Thread(() => Serve(listener)) { IsBackground = true, Name = "bench gc probe" }.Start();
    }

    private static void Serve(Socket listener)
    {
        var buffer = new byte[64];
        while (true)
        {
            using var connection = listener.Accept();
            var read = 0;
            int n;
            while (read < buffer.Length && (n = connection.Receive(buffer, read, buffer.Length - read, SocketFlags.None)) > 0)
            {
                read += n;
                if (buffer[read - 1] == '\n')
                {
                    break;
                }
            }

            var answer = Encoding.ASCII.GetString(buffer, 0, read).Trim() switch
            {
                "collect" => Collect(),
                "allocated" => GC.GetTotalAllocatedBytes(precise: true).ToString(CultureInfo.InvariantCulture),
                "watch" => Watch(),
                "peak" => Peak(),
                var other => $"error unknown command '{other}'",
            };
            connection.Send(Encoding.ASCII.GetBytes(answer + "\n"));
        }
    }

    private static string Collect()
    {
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Forced, blocking: true, compacting: true);
        GC.WaitForPendingFinalizers();
        var heap = GC.GetTotalMemory(forceFullCollection: true);
        return string.Create(CultureInfo.InvariantCulture, $"{heap} {GC.GetGCMemoryInfo().TotalCommittedBytes}");
    }

    private static string Watch()
    {
        Interlocked.Exchange(ref s_peak, GC.GetTotalMemory(forceFullCollection: false));
        s_watching.Set();
        if (s_sampler is null)
        {
            s_sampler = new Thread(Sample) { IsBackground = true, Name = "bench gc probe sampler" };
            s_sampler.Start();
        }

        return "ok";
    }

    private static string Peak()
    {
        s_watching.Reset();
        var peak = Math.Max(Interlocked.Read(ref s_peak), GC.GetTotalMemory(forceFullCollection: false));
        return peak.ToString(CultureInfo.InvariantCulture);
    }

    private static void Sample()
    {
        while (true)
        {
            s_watching.Wait(); // parked between peak and the next watch
            var heap = GC.GetTotalMemory(forceFullCollection: false);
            long seen;
            while (heap > (seen = Interlocked.Read(ref s_peak)) && Interlocked.CompareExchange(ref s_peak, heap, seen) != seen)
            {
            }

            Thread.Sleep(2);
        }
    }
}
