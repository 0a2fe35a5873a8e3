using Checkup.Core.Health;
using Checkup.Functions.Auth;
using Checkup.Functions.Health;
using Checkup.Functions.OpenApi;
using Checkup.Functions.Worker;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Extensions.Options;

namespace Checkup.Functions.Functions;

/// <summary>Health for load balancers and people.</summary>
public sealed class HealthFunctions(HealthProbe probe, IOptions<AuthOptions> auth, ILoggerFactory loggers)
{
    [Function(StartupGateMiddleware.HealthFunctionName)]
    [Anonymous]
    [Operation("Health", "Liveness and readiness of the database and storage (200 healthy, 503 otherwise). Why a dependency is unhealthy is logged, and shown only to an admin's token.")]
    [Responds(StatusCodes.Status200OK, typeof(HealthReport), "Healthy.")]
    [Responds(StatusCodes.Status503ServiceUnavailable, typeof(HealthReport), "Starting, or a dependency is unhealthy (errors only for an admin).")]
    public async Task<IResult> Health(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "health")] HttpRequest request, CancellationToken ct) =>
        await HealthApi.GetHealth(probe, request.HttpContext.User, auth, loggers, ct);
}
