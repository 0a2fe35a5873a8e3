using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.AspNetCore.Server.Kestrel.Transport.Sockets;

namespace Checkup.Functions.Hosting;

/// <summary>The worker's own server limits (its ASP.NET Core integration listens for the requests the host forwards).</summary>
public static class KestrelLimits
{
    /// <summary>
    /// Request bytes the socket transport reads ahead of the app on one connection (Kestrel's default is 1 MiB). While an
    /// image upload stages one 1 MiB block, Kestrel went on reading the next MiB into pinned buffers, so 32 concurrent
    /// uploads held some 30 MiB of them besides their blocks (bench/run, upload memory). Past this the bytes wait in the
    /// socket's kernel buffer.
    /// </summary>
    public const int MaxReadAheadBytes = 64 * 1024;

    public static IServiceCollection AddKestrelLimits(this IServiceCollection services)
    {
        services.Configure<KestrelServerOptions>(kestrel =>
        {
            kestrel.AddServerHeader = false;
            kestrel.Limits.MaxRequestBodySize = 100 * 1024 * 1024; // the platform's own cap; functions set tighter ones
            kestrel.Limits.MaxRequestHeadersTotalSize = 64 * 1024;
        });
        return services.Configure<SocketTransportOptions>(o => o.MaxReadBufferSize = MaxReadAheadBytes);
    }
}
