using Checkup.Core;
using Checkup.Functions.Auth;
using Checkup.Functions.Hosting;
using Checkup.Functions.Images;
using Checkup.Functions.Problems;
using Checkup.Functions.Telemetry;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Azure.Functions.Worker.Builder;

namespace Checkup.Functions.Worker;

/// <summary>
/// Checkup as a .NET isolated worker: the Functions host starts it, indexes the <c>[Function]</c> classes in
/// <c>Functions/</c>, forwards HTTP requests to its ASP.NET Core integration and hands it queue messages and timer ticks.
/// </summary>
public static class CheckupWorker
{
    /// <summary>A Functions host starts its worker with <c>--functions-uri</c> (its gRPC address); nothing else does.</summary>
    public static bool StartedByFunctionsHost(string[] args) => args.Contains("--functions-uri", StringComparer.Ordinal);

    public static int Run(string[] args)
    {
        var builder = FunctionsApplication.CreateBuilder(args);
        builder.ConfigureFunctionsWebApplication();
        builder.AddCheckupTelemetry();
        builder.Services.AddKestrelLimits();
        builder.Services.AddCheckupCore(builder.Configuration);
        builder.Services.AddCheckupAuth(builder.Configuration);
        builder.Services.AddCheckupProblems();
        builder.Services.AddCheckupCors(builder.Configuration);
        builder.Services.AddCheckupRateLimits(builder.Configuration);
        builder.Services.AddCheckupUploads();
        builder.Services.AddScoped<Triggers.ProcessImageTrigger>();
        builder.Services.AddScoped<Triggers.CleanupImagesTrigger>();

        // Outermost first: every answer below, the function's own included, passes the problem mapping.
        builder.UseWhen<ProblemsMiddleware>(HttpMiddleware.IsHttp);
        builder.UseWhen<StartupGateMiddleware>(HttpMiddleware.IsHttp);
        builder.UseWhen<CorsMiddleware>(HttpMiddleware.IsHttp);
        builder.UseWhen<AuthMiddleware>(HttpMiddleware.IsHttp);
        builder.UseWhen<WriteLimitMiddleware>(HttpMiddleware.IsHttp);
        builder.UseWhen<RequestBodyMiddleware>(HttpMiddleware.IsHttp);

        builder.Build().Run();
        return 0;
    }
}
