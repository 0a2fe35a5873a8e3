using System.Diagnostics;
using Microsoft.AspNetCore.Diagnostics;

namespace Checkup.Functions.Problems;

public static class ProblemSetup
{
    /// <summary>Every error answer is problem+json with a <c>code</c> and the trace id, including the framework's own (404, 405, 400 from binding).</summary>
    public static IServiceCollection AddCheckupProblems(this IServiceCollection services) =>
        services.AddProblemDetails(options => options.CustomizeProblemDetails = context =>
        {
            var problem = context.ProblemDetails;
            problem.Extensions.TryAdd("code", CodeFor(problem.Status ?? context.HttpContext.Response.StatusCode, context.Exception));
            problem.Extensions.TryAdd("traceId", Activity.Current?.TraceId.ToString() ?? context.HttpContext.TraceIdentifier);
            if (context.Exception is BadHttpRequestException bad)
            {
                // Kestrel and binding failures: say what was wrong with the request, never a stack trace.
                problem.Status = bad.StatusCode;
                context.HttpContext.Response.StatusCode = bad.StatusCode;
                problem.Detail = bad.Message;
            }
        });

    public static WebApplication UseCheckupProblems(this WebApplication app)
    {
        app.UseExceptionHandler(new ExceptionHandlerOptions
        {
            StatusCodeSelector = e => e is BadHttpRequestException bad ? bad.StatusCode : StatusCodes.Status500InternalServerError,
        });
        app.UseStatusCodePages();
        return app;
    }

    private static string CodeFor(int status, Exception? exception) => (status, exception) switch
    {
        (_, BadHttpRequestException { StatusCode: 413 }) => "payload_too_large",
        (_, BadHttpRequestException) => "bad_request",
        (400, _) => "bad_request",
        (401, _) => "unauthorized",
        (403, _) => "forbidden",
        (404, _) => "not_found",
        (405, _) => "method_not_allowed",
        (413, _) => "payload_too_large",
        (415, _) => "unsupported_media_type",
        (429, _) => "rate_limited",
        (503, _) => "unavailable",
        _ => "internal_error",
    };
}
