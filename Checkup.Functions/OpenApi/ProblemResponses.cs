using System.Text.Json.Nodes;
using Checkup.Functions.Worker;

namespace Checkup.Functions.OpenApi;

/// <summary>One problem+json answer of an operation: its status, its stable code and when it comes.</summary>
public sealed record DocumentedProblem(int Status, string Code, string Description, Type? Schema = null, string[]? Headers = null);

/// <summary>
/// The problem answers a function gets from the worker middleware and the exception mapping rather than from its own
/// code: they follow from its policy (<see cref="FunctionPolicy"/>) and whether it reads a JSON body.
/// </summary>
public static class ProblemResponses
{
    /// <summary>
    /// Codes the exception mapping (ProblemSetup) can write for answers that no function declares itself, and the two
    /// every function can meet. Documented once, in the <c>code</c> member of ProblemDetails.
    /// </summary>
    public static readonly IReadOnlyList<DocumentedProblem> AppWide =
    [
        new(404, "not_found", "Nothing is served at this address (or the function says what is missing)."),
        new(405, "method_not_allowed", "The address does not accept that method."),
        new(500, "internal_error", "An unexpected failure; no details are given (the traceId finds the log)."),
        new(503, "unavailable", "The app cannot serve now (without a more precise code)."),
        new(503, "database_unavailable", "PostgreSQL could not be reached; nothing was changed. Retry-After says when to try again.", Headers: ["Retry-After"]),
    ];

    private static DocumentedProblem AppWideProblem(string code) => AppWide.Single(p => p.Code == code);

    public static IEnumerable<DocumentedProblem> FromPolicy(FunctionPolicy policy, bool jsonBody)
    {
        if (policy.Access != Access.Anonymous)
        {
            yield return new(401, "unauthorized", "No valid bearer token: none was sent, or it was refused (WWW-Authenticate and detail say why).",
                Headers: ["WWW-Authenticate"]);
            yield return new(403, "forbidden", policy.Access == Access.Admin
                ? "The token does not carry the admin role (Auth__AdminRole)."
                : "The token has no subject ('sub') to act as.");
            // Every function behind a token reads or writes PostgreSQL.
            yield return AppWideProblem("database_unavailable");
        }

        if (policy.WriteLimited)
        {
            yield return new(429, "rate_limited", "More writes than RateLimits__WritesPerMinute allows this person; Retry-After says when to try again.",
                Headers: ["Retry-After"]);
        }

        if (policy.BodyLimit is { } limit)
        {
            yield return new(413, "payload_too_large", $"The body is over {limit} bytes (refused before it is read when Content-Length says so).");
        }

        if (jsonBody)
        {
            yield return new(400, "invalid_json", "The body is not JSON of the expected shape (detail says where: an unknown property, a wrong type).");
            yield return new(400, "bad_request", "The body is missing, or another part of the request is malformed ('errors' names the fields).");
            yield return new(415, "unsupported_media_type", "The body is not application/json, or its charset is not one JSON is sent in.");
        }

        yield return AppWideProblem("internal_error");
    }

    /// <summary>The <c>ProblemDetails</c> component: RFC 9457 members plus <c>code</c>, <c>traceId</c> and <c>errors</c>.</summary>
    public static JsonNode Schema(IEnumerable<string> codes) => new JsonObject
    {
        ["type"] = "object",
        ["description"] = "An error answer (RFC 9457, application/problem+json) with a stable machine-readable 'code'.",
        ["required"] = new JsonArray("status", "code"),
        ["properties"] = new JsonObject
        {
            ["type"] = new JsonObject { ["type"] = "string", ["description"] = "https://checkup.dev/problems/{code}" },
            ["title"] = new JsonObject { ["type"] = "string" },
            ["status"] = new JsonObject { ["type"] = "integer", ["format"] = "int32" },
            ["detail"] = new JsonObject { ["type"] = "string", ["description"] = "What went wrong with this request, in words." },
            ["instance"] = new JsonObject { ["type"] = "string" },
            ["code"] = new JsonObject
            {
                ["type"] = "string",
                ["description"] = "Stable machine-readable error code. Each operation lists the codes it answers with; besides them: " +
                                  string.Join(" ", AppWide.Select(p => $"{p.Code} ({p.Status}): {p.Description}")),
                ["enum"] = new JsonArray(codes.Concat(AppWide.Select(p => p.Code)).Distinct().Order(StringComparer.Ordinal).Select(c => (JsonNode)c).ToArray()),
            },
            ["traceId"] = new JsonObject { ["type"] = "string", ["description"] = "The request's trace id, for the logs." },
            ["errors"] = new JsonObject
            {
                ["type"] = "object",
                ["description"] = "Per-field messages (validation_failed, image_not_owned, image_not_ready, bad_request), keyed like 'projects[0].name'.",
                ["additionalProperties"] = new JsonObject { ["type"] = "array", ["items"] = new JsonObject { ["type"] = "string" } },
            },
        },
    };
}

/// <summary>The response headers operations name (<see cref="RespondsAttribute.Headers"/>), described once.</summary>
public static class ResponseHeaders
{
    public static readonly IReadOnlyDictionary<string, string> All = new Dictionary<string, string>
    {
        ["ETag"] = "The submission's version, quoted (\"3\"); send it back in If-Match.",
        ["Location"] = "Where the resource is read (GET).",
        ["Retry-After"] = "Seconds to wait before trying again.",
        ["Idempotent-Replayed"] = "\"true\" when this is the first answer to the same Idempotency-Key and file, replayed.",
        ["Content-Disposition"] = "attachment, with the download's file name.",
        ["WWW-Authenticate"] = "Bearer, with error and error_description when a token was refused (RFC 6750).",
    };

    public static JsonObject Describe(IEnumerable<string> names)
    {
        var headers = new JsonObject();
        foreach (var name in names.Distinct())
        {
            headers[name] = new JsonObject
            {
                ["description"] = All.TryGetValue(name, out var description)
                    ? description
                    : throw new InvalidOperationException($"Response header {name} is not described in ResponseHeaders.All."),
                ["schema"] = new JsonObject { ["type"] = "string" },
            };
        }

        return headers;
    }
}
