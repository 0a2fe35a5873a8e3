using System.Threading.RateLimiting;
using Checkup.Core;
using Checkup.Functions.Auth;
using Checkup.Functions.Hosting;
using Checkup.Functions.Problems;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Cors.Infrastructure;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Azure.Functions.Worker.Middleware;

namespace Checkup.Functions.Worker;

/// <summary>
/// The HTTP functions' cross-cutting work, in the order it runs (see <see cref="CheckupWorker"/>). Each middleware that
/// answers on its own writes the response and leaves <see cref="Answered"/> as the invocation's result, so the worker's
/// HTTP integration has nothing more to write.
/// </summary>
internal static class HttpMiddleware
{
    public static bool IsHttp(FunctionContext context) =>
        context.FunctionDefinition.InputBindings.Values.Any(b => b.Type.Equals("httpTrigger", StringComparison.OrdinalIgnoreCase));

    public static HttpContext Http(this FunctionContext context) =>
        context.GetHttpContext() ?? throw new InvalidOperationException($"Function {context.FunctionDefinition.Name} has no HTTP request.");

    /// <summary>The response was written by a middleware.</summary>
    public static void Answered(this FunctionContext context) => context.GetInvocationResult().Value = Results.Empty;
}

/// <summary>
/// One mapping from what escaped a function to problem+json (a client's bad request, the database away, or a 500 with
/// no details), and every ProblemDetails a function returns sent as <c>application/problem+json</c>.
/// </summary>
internal sealed class ProblemsMiddleware(ILogger<ProblemsMiddleware> logger) : IFunctionsWorkerMiddleware
{
    public async Task Invoke(FunctionContext context, FunctionExecutionDelegate next)
    {
        var http = context.Http();
        try
        {
            await next(context);
            var result = context.GetInvocationResult();
            result.Value = ProblemJson.AsProblemJson(result.Value);
        }
        catch (Exception e) when (!http.RequestAborted.IsCancellationRequested && !http.Response.HasStarted)
        {
            var status = ProblemSetup.StatusFor(e);
            if (e is not BadHttpRequestException)
            {
                logger.LogError(e, "{Function} failed", context.FunctionDefinition.Name);
            }

            http.Response.Clear();
            http.Response.StatusCode = status;
            await http.RequestServices.GetRequiredService<IProblemDetailsService>().WriteAsync(new ProblemDetailsContext
            {
                HttpContext = http,
                ProblemDetails = new ProblemDetails { Status = status },
                Exception = e,
            });
            context.Answered();
        }
    }
}

/// <summary>Requests that arrive while migrations and storage are made ready wait for them (health answers "starting").</summary>
internal sealed class StartupGateMiddleware(StartupTasks startup) : IFunctionsWorkerMiddleware
{
    public async Task Invoke(FunctionContext context, FunctionExecutionDelegate next)
    {
        if (!startup.Completion.IsCompleted && context.FunctionDefinition.Name != HealthFunctionName)
        {
            await startup.Completion.WaitAsync(context.Http().RequestAborted);
        }

        await next(context);
    }

    public const string HealthFunctionName = "Health";
}

/// <summary>
/// CORS for the frontend's origins (<c>Cors__AllowedOrigins</c>): preflights (to the <c>Unrouted</c> catch-all, the one function that takes OPTIONS) are answered
/// here, and every other answer carries the headers the policy allows, ETag, Location and Retry-After exposed.
/// </summary>
internal sealed class CorsMiddleware(ICorsService cors, ICorsPolicyProvider policies) : IFunctionsWorkerMiddleware
{
    public async Task Invoke(FunctionContext context, FunctionExecutionDelegate next)
    {
        var http = context.Http();
        if (!http.Request.Headers.ContainsKey("Origin") || await policies.GetPolicyAsync(http, null) is not { } policy)
        {
            await next(context);
            return;
        }

        var result = cors.EvaluatePolicy(http, policy);
        cors.ApplyResult(result, http.Response);
        if (result.IsPreflightRequest)
        {
            http.Response.StatusCode = StatusCodes.Status204NoContent;
            context.Answered();
            return;
        }

        await next(context);
    }
}

/// <summary>
/// The bearer token (JwtBearer with today's rules: pinned algorithms, issuer, audience, lifetime, discovery with key
/// refresh) and the function's <see cref="Access"/>: 401 with WWW-Authenticate without a valid token, 403 without the
/// subject or the admin role.
/// </summary>
internal sealed class AuthMiddleware(IAuthorizationService authorization) : IFunctionsWorkerMiddleware
{
    public async Task Invoke(FunctionContext context, FunctionExecutionDelegate next)
    {
        var http = context.Http();
        var policy = FunctionPolicy.For(context);
        var authenticated = await http.AuthenticateAsync(JwtBearerDefaults.AuthenticationScheme);
        if (authenticated.Succeeded)
        {
            http.User = authenticated.Principal;
        }

        if (policy.Access != Access.Anonymous)
        {
            var allowed = (await authorization.AuthorizeAsync(http.User, AuthSetup.UserPolicy)).Succeeded
                && (policy.Access != Access.Admin || (await authorization.AuthorizeAsync(http.User, AuthSetup.AdminPolicy)).Succeeded);
            if (!allowed)
            {
                if (authenticated.Succeeded)
                {
                    await ForbidAsync(http);
                }
                else
                {
                    await http.ChallengeAsync(JwtBearerDefaults.AuthenticationScheme); // AuthProblems writes the 401
                }

                context.Answered();
                return;
            }
        }

        await next(context);
    }

    private static async Task ForbidAsync(HttpContext http)
    {
        http.Response.StatusCode = StatusCodes.Status403Forbidden;
        await http.RequestServices.GetRequiredService<IProblemDetailsService>().WriteAsync(new ProblemDetailsContext
        {
            HttpContext = http,
            ProblemDetails = new ProblemDetails { Status = StatusCodes.Status403Forbidden },
        });
    }
}

/// <summary>The per-person write limit on functions marked <see cref="WriteLimitedAttribute"/>.</summary>
internal sealed class WriteLimitMiddleware : IFunctionsWorkerMiddleware, IDisposable
{
    private readonly PartitionedRateLimiter<HttpContext> _writes = PartitionedRateLimiter.Create<HttpContext, string>(RateLimitSetup.WritesPartition);

    public async Task Invoke(FunctionContext context, FunctionExecutionDelegate next)
    {
        if (!FunctionPolicy.For(context).WriteLimited)
        {
            await next(context);
            return;
        }

        var http = context.Http();
        using var lease = _writes.AttemptAcquire(http);
        if (!lease.IsAcquired)
        {
            await RateLimitSetup.RejectAsync(http, lease);
            context.Answered();
            return;
        }

        await next(context);
    }

    public void Dispose() => _writes.Dispose();
}

/// <summary>A function's <see cref="BodyLimitAttribute"/> (413 before reading), then the JSON charset check (415).</summary>
internal sealed class RequestBodyMiddleware : IFunctionsWorkerMiddleware
{
    public async Task Invoke(FunctionContext context, FunctionExecutionDelegate next)
    {
        var http = context.Http();
        var ran = false;
        Task Function() => RequestCharsets.CheckAsync(http, () =>
        {
            ran = true;
            return next(context);
        });

        if (FunctionPolicy.For(context).BodyLimit is { } limit)
        {
            await BodySizeLimits.EnforceAsync(http, limit, Function);
        }
        else
        {
            await Function();
        }

        // Refused before the function ran, or the body passed the limit while it read it: the 413 or 415 is written.
        if (!ran || http.Response.HasStarted)
        {
            context.Answered();
        }
    }
}
