using Checkup.Core.Health;
using Checkup.Functions.Auth;
using Checkup.Functions.Health;
using Checkup.Functions.Worker;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Extensions.Options;

namespace Checkup.Functions.Functions;

/// <summary>Health for load balancers and people.</summary>
public sealed class HealthFunctions(HealthProbe probe, IOptions<AuthOptions> auth, ILoggerFactory loggers)
{
    [Function(StartupGateMiddleware.HealthFunctionName)]
    [Anonymous]
    public async Task<IResult> Health(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "health")] HttpRequest request, CancellationToken ct) =>
        await HealthApi.GetHealth(probe, request.HttpContext.User, auth, loggers, ct);
}
