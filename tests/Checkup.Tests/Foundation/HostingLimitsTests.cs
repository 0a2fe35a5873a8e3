using Checkup.Functions.Hosting;
using Checkup.Tests.Infrastructure;
using Microsoft.AspNetCore.Server.Kestrel.Transport.Sockets;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Checkup.Tests.Foundation;

public sealed class HostingLimitsTests
{
    [Fact]
    public async Task The_socket_transport_reads_at_most_64_KiB_ahead_of_the_app_on_a_connection()
    {
        await using var factory = new CheckupFactory();

        var transport = factory.Services.GetRequiredService<IOptions<SocketTransportOptions>>().Value;

        Assert.Equal(64 * 1024, transport.MaxReadBufferSize);
        Assert.Equal(HandlerHosting.MaxReadAheadBytes, transport.MaxReadBufferSize);
    }
}
