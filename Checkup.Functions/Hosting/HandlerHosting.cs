using Microsoft.AspNetCore.Server.Kestrel.Transport.Sockets;

namespace Checkup.Functions.Hosting;

/// <summary>Where the handler listens, and whether it must run the queue and timer triggers itself.</summary>
public static class HandlerHosting
{
    public const int DefaultPort = 7071;

    /// <summary>
    /// Request bytes the socket transport reads ahead of the app on one connection (Kestrel's default is 1 MiB). While an
    /// image upload stages one 1 MiB block, Kestrel went on reading the next MiB into pinned buffers, so 32 concurrent
    /// uploads held some 30 MiB of them besides their blocks (bench/run, upload memory). Past this the bytes wait in the
    /// socket's kernel buffer.
    /// </summary>
    public const int MaxReadAheadBytes = 64 * 1024;

    /// <summary>Set by the Functions host, and only by it.</summary>
    public static string? HostPort(IConfiguration configuration) => configuration["FUNCTIONS_CUSTOMHANDLER_PORT"];

    /// <summary>
    /// Without the Functions host nobody else delivers queue messages and timer ticks, so the process does
    /// (<c>Triggers__Standalone=false</c> turns that off, for tests that drive the trigger endpoints directly).
    /// </summary>
    public static bool RunsTriggersInProcess(IConfiguration configuration) =>
        string.IsNullOrEmpty(HostPort(configuration)) && configuration.GetValue("Triggers:Standalone", true);

    /// <summary>The server's own limits, whoever runs it (the handler, or the isolated worker's ASP.NET Core integration).</summary>
    public static IServiceCollection AddKestrelLimits(this IServiceCollection services)
    {
        services.Configure<Microsoft.AspNetCore.Server.Kestrel.Core.KestrelServerOptions>(kestrel =>
        {
            kestrel.AddServerHeader = false;
            kestrel.Limits.MaxRequestBodySize = 100 * 1024 * 1024; // the platform's own cap; endpoints set tighter ones
            kestrel.Limits.MaxRequestHeadersTotalSize = 64 * 1024;
        });
        return services.Configure<SocketTransportOptions>(o => o.MaxReadBufferSize = MaxReadAheadBytes);
    }

    public static WebApplicationBuilder ConfigureHandlerUrls(this WebApplicationBuilder builder)
    {
        // The host always calls http://127.0.0.1:<port>, so IPv4 loopback it is.
        if (HostPort(builder.Configuration) is { Length: > 0 } hostPort)
        {
            builder.WebHost.UseUrls($"http://127.0.0.1:{hostPort}");
        }
        else if (string.IsNullOrEmpty(builder.Configuration["urls"]))
        {
            builder.WebHost.UseUrls($"http://127.0.0.1:{builder.Configuration.GetValue("Checkup:Port", DefaultPort)}");
        }

        builder.Services.AddKestrelLimits();
        builder.Services.AddHostedService<HandlerModeLog>();
        return builder;
    }
}
