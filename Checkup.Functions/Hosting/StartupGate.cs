using Checkup.Core;

namespace Checkup.Functions.Hosting;

/// <summary>
/// The server starts beside the start-up tasks (migrations, container and queues; see <see cref="StartupTasks"/>), so a
/// request can arrive before they end: it waits for them, then runs against a ready database and storage.
/// </summary>
/// <remarks>
/// Two paths never wait. <c>GET /</c> is the Functions host's readiness poll: it gives a handler about 30 s to answer
/// anything, and a migration that waits for another instance's lock must not turn into a failed start. <c>/api/health</c>
/// answers 503 "starting" meanwhile, which is what a load balancer or a person should see.
/// </remarks>
public static class StartupGate
{
    public static WebApplication UseStartupGate(this WebApplication app)
    {
        var startup = app.Services.GetRequiredService<StartupTasks>();
        app.Use(async (context, next) =>
        {
            if (!startup.Completion.IsCompleted && !NeverWaits(context.Request))
            {
                await startup.Completion.WaitAsync(context.RequestAborted);
            }

            await next(context);
        });
        return app;
    }

    private static bool NeverWaits(HttpRequest request) =>
        request.Path == "/" || request.Path.Equals("/api/health", StringComparison.OrdinalIgnoreCase);
}
