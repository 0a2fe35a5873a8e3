using Checkup.Functions.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.AspNetCore.Server.Kestrel.Transport.Sockets;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Checkup.Tests.Foundation;

/// <summary>The limits the worker's start (Program.cs, AddKestrelLimits) gives the server its ASP.NET Core integration runs.</summary>
public sealed class HostingLimitsTests
{
    [Fact]
    public void The_socket_transport_reads_at_most_64_KiB_ahead_and_the_server_caps_bodies_and_headers()
    {
        using var services = new ServiceCollection().AddKestrelLimits().BuildServiceProvider();

        var transport = services.GetRequiredService<IOptions<SocketTransportOptions>>().Value;
        var kestrel = services.GetRequiredService<IOptions<KestrelServerOptions>>().Value;

        Assert.Equal(64 * 1024, transport.MaxReadBufferSize);
        Assert.Equal(KestrelLimits.MaxReadAheadBytes, transport.MaxReadBufferSize);
        Assert.Equal(100 * 1024 * 1024, kestrel.Limits.MaxRequestBodySize);
        Assert.Equal(64 * 1024, kestrel.Limits.MaxRequestHeadersTotalSize);
        Assert.False(kestrel.AddServerHeader);
    }
}
