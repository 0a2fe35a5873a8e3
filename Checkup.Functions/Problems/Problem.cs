using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;

namespace Checkup.Functions.Problems;

/// <summary>RFC 9457 problem details with a stable machine-readable <c>code</c>.</summary>
public static class Problem
{
    public static ProblemDetails Details(int status, string code, string title, string? detail = null, IDictionary<string, object?>? extensions = null)
    {
        var problem = new ProblemDetails { Status = status, Title = title, Detail = detail, Type = $"https://checkup.dev/problems/{code}" };
        problem.Extensions["code"] = code;
        if (extensions is not null)
        {
            foreach (var (key, value) in extensions)
            {
                problem.Extensions[key] = value;
            }
        }

        return problem;
    }

    public static NotFound<ProblemDetails> NotFound(string code, string title, string? detail = null) =>
        TypedResults.NotFound(Details(StatusCodes.Status404NotFound, code, title, detail));

    public static BadRequest<ProblemDetails> BadRequest(string code, string title, string? detail = null, IDictionary<string, object?>? extensions = null) =>
        TypedResults.BadRequest(Details(StatusCodes.Status400BadRequest, code, title, detail, extensions));

    public static Conflict<ProblemDetails> Conflict(string code, string title, string? detail = null, IDictionary<string, object?>? extensions = null) =>
        TypedResults.Conflict(Details(StatusCodes.Status409Conflict, code, title, detail, extensions));

    public static UnprocessableEntity<ProblemDetails> Unprocessable(string code, string title, string? detail = null, IDictionary<string, object?>? extensions = null) =>
        TypedResults.UnprocessableEntity(Details(StatusCodes.Status422UnprocessableEntity, code, title, detail, extensions));

    /// <summary>Any status, as problem+json (412, 413, 415, 429, 503...).</summary>
    public static ProblemHttpResult Status(int status, string code, string title, string? detail = null, IDictionary<string, object?>? extensions = null) =>
        TypedResults.Problem(Details(status, code, title, detail, extensions));
}
