using System.Collections.Concurrent;
using Checkup.Tests.Infrastructure;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Checkup.Tests.Web;

/// <summary>
/// Someone else's API on 127.0.0.1: records every request it gets and, like a server that wants tokens, allows any
/// origin and the Authorization header in CORS, so a page that would send the token gets to send it.
/// </summary>
public sealed class RecordingServer : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ConcurrentQueue<RecordedRequest> _requests;

    private RecordingServer(WebApplication app, string url, ConcurrentQueue<RecordedRequest> requests)
    {
        _app = app;
        Url = url;
        _requests = requests;
    }

    public string Url { get; }
    public IReadOnlyCollection<RecordedRequest> Requests => _requests.ToArray();

    public static async Task<RecordingServer> StartAsync()
    {
        var requests = new ConcurrentQueue<RecordedRequest>();
        var (app, url) = await LoopbackServer.StartAsync(app => app.Run(async context =>
        {
            requests.Enqueue(new RecordedRequest(context.Request.Method, context.Request.Path, context.Request.Headers.Authorization.FirstOrDefault()));
            context.Response.Headers.AccessControlAllowOrigin = context.Request.Headers.Origin.FirstOrDefault() ?? "*";
            context.Response.Headers.AccessControlAllowHeaders = "authorization, content-type, if-match, idempotency-key";
            context.Response.Headers.AccessControlAllowMethods = "GET, POST, PUT, DELETE";
            context.Response.StatusCode = context.Request.Method == "OPTIONS" ? 204 : 404;
            await context.Response.CompleteAsync();
        }));
        return new RecordingServer(app, url, requests);
    }

    public async ValueTask DisposeAsync() => await _app.DisposeAsync();
}

public sealed record RecordedRequest(string Method, string Path, string? Authorization);
