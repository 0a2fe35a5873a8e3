using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;

namespace Checkup.Functions.Problems;

/// <summary>
/// <c>NotFound&lt;ProblemDetails&gt;</c> and its siblings state a function's outcomes precisely but write
/// <c>application/json</c>. Any ProblemDetails a function returns goes out as RFC 9457 <c>application/problem+json</c>
/// instead (with the defaults and <c>traceId</c> of every other problem): the worker's ProblemsMiddleware applies this.
/// </summary>
public static class ProblemJson
{
    /// <summary>A result whose value is a ProblemDetails, as problem+json; any other result as it is.</summary>
    public static object? AsProblemJson(object? result)
    {
        var inner = result is INestedHttpResult nested ? nested.Result : result;
        if (inner is IValueHttpResult { Value: ProblemDetails problem } and IStatusCodeHttpResult { StatusCode: { } status } and not ProblemHttpResult and not ValidationProblem)
        {
            problem.Status ??= status;
            return TypedResults.Problem(problem);
        }

        return result;
    }
}
