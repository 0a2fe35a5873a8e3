using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Checkup.Tests.Infrastructure;

/// <summary>The small servers tests stand up in place of someone else's (an issuer, an ingestion endpoint, a proxy, a site).</summary>
public static class LoopbackServer
{
    /// <summary>
    /// A slim app on a free port of 127.0.0.1, serving what <paramref name="configure"/> maps, started; its base URL has
    /// no trailing slash. Disposing the app stops it.
    /// </summary>
    public static async Task<(WebApplication App, string Url)> StartAsync(Action<WebApplication> configure)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseKestrel().UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        configure(app);
        await app.StartAsync();
        var url = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single().TrimEnd('/');
        return (app, url);
    }
}
