using System.Diagnostics;
using System.Text.Json;
using Microsoft.AspNetCore.Diagnostics;
using Npgsql;

namespace Checkup.Functions.Problems;

public static class ProblemSetup
{
    /// <summary>Every error answer is problem+json with a <c>code</c> and the trace id, including the framework's own (404, 405, 400 from binding).</summary>
    public static IServiceCollection AddCheckupProblems(this IServiceCollection services)
    {
        return services.AddProblemDetails(options => options.CustomizeProblemDetails = context =>
        {
            var problem = context.ProblemDetails;
            problem.Extensions.TryAdd("code", CodeFor(problem.Status ?? context.HttpContext.Response.StatusCode, context.Exception));
            problem.Extensions.TryAdd("traceId", Activity.Current?.TraceId.ToString() ?? context.HttpContext.TraceIdentifier);
            if (context.Exception is BadHttpRequestException bad)
            {
                // Kestrel and binding failures: say what was wrong with the request, never a stack trace.
                problem.Status = bad.StatusCode;
                context.HttpContext.Response.StatusCode = bad.StatusCode;
                problem.Detail = bad.InnerException is JsonException json ? JsonDetail(json)
                    : bad is Worker.MissingBodyException ? "This request needs a JSON body (the form state as an object); it was empty or null."
                    : bad.Message;
            }

            if (context.Exception is { } e && DatabaseUnavailable(e))
            {
                problem.Title = "Database unavailable";
                problem.Detail = "The database could not be reached; nothing was changed. Try again in a few seconds.";
                context.HttpContext.Response.Headers.RetryAfter = DatabaseRetryAfterSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
            }

            problem.Detail ??= DefaultDetail(problem.Status ?? context.HttpContext.Response.StatusCode);
        });
    }

    /// <summary>The status an exception that escaped a function answers: the client's mistake, the database away, or ours.</summary>
    public static int StatusFor(Exception e) => e switch
    {
        BadHttpRequestException bad => bad.StatusCode,
        _ when DatabaseUnavailable(e) => StatusCodes.Status503ServiceUnavailable,
        _ => StatusCodes.Status500InternalServerError,
    };

    /// <summary>
    /// PostgreSQL cannot be reached or shed the work (connection refused or lost, timeout, server shutting down, too many
    /// connections): nothing was changed by the failed statement, and the same request can succeed later.
    /// </summary>
    private static bool DatabaseUnavailable(Exception e) => e is NpgsqlException { IsTransient: true };

    /// <summary>What a client that retries should wait before it does.</summary>
    private const int DatabaseRetryAfterSeconds = 5;

    private static string CodeFor(int status, Exception? exception) => (status, exception) switch
    {
        (503, NpgsqlException) => "database_unavailable",
        (_, BadHttpRequestException { InnerException: JsonException }) => "invalid_json",
        (_, BadHttpRequestException { StatusCode: 413 }) => "payload_too_large",
        (_, BadHttpRequestException { StatusCode: 415 }) => "unsupported_media_type",
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

    /// <summary>For the framework's own answers that come without one (no endpoint, wrong method, server limits).</summary>
    private static string? DefaultDetail(int status) => status switch
    {
        404 => "There is nothing at this address.",
        405 => "This address does not accept that method.",
        413 => "The request body is larger than this endpoint accepts.",
        415 => "Send the body as application/json (or the media type the endpoint documents).",
        _ => null,
    };

    /// <summary>Where and how the body failed to match, in words (the serializer's own message names .NET types).</summary>
    private static string JsonDetail(JsonException e)
    {
        var at = e.Path is { Length: > 0 } path ? $" at '{path}'" : "";
        var message = e.Message;
        if (message.Contains("could not be mapped to any .NET member", StringComparison.Ordinal))
        {
            return $"The body has a property this endpoint does not know{at}.";
        }

        if (message.Contains("missing required properties", StringComparison.Ordinal))
        {
            var names = message[(message.IndexOf("including:", StringComparison.Ordinal) is var i and >= 0 ? i + "including:".Length : message.Length)..].Trim().TrimEnd('.');
            return $"The body lacks a required property{(names.Length > 0 ? ": " + names : "")}.";
        }

        if (message.Contains("could not be converted", StringComparison.Ordinal))
        {
            return $"The body has a value of the wrong type{at}.";
        }

        return $"The body is not valid JSON{at} (line {e.LineNumber + 1}, byte {e.BytePositionInLine + 1}).";
    }
}
