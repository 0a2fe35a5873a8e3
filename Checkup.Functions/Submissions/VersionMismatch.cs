using Checkup.Core.Submissions;
using Checkup.Functions.Problems;
using Microsoft.AspNetCore.Mvc;

namespace Checkup.Functions.Submissions;

/// <summary>The 412 body: a problem whose <c>current</c> is the server's copy, so the client can merge and retry.</summary>
public sealed class VersionMismatchProblem : ProblemDetails
{
    public Submission? Current { get; set; }
}

/// <summary>412 problem+json <c>version_mismatch</c> carrying the current copy, with its ETag in the header.</summary>
public sealed class VersionMismatch(Submission current) : IResult, IStatusCodeHttpResult
{
    public Submission Current => current;

    public int? StatusCode => StatusCodes.Status412PreconditionFailed;

    public Task ExecuteAsync(HttpContext httpContext)
    {
        httpContext.Response.Headers.ETag = ETags.For(current.Version);
        var problem = Problem.Details(StatusCodes.Status412PreconditionFailed, "version_mismatch", "The submission has changed",
            $"If-Match named another version; the current one is {current.Version} (ETag {ETags.For(current.Version)}), included as 'current'.",
            new Dictionary<string, object?> { ["current"] = current });
        return TypedResults.Problem(problem).ExecuteAsync(httpContext);
    }
}
