using Checkup.Core.Admin;
using Checkup.Core.People;
using Checkup.Functions.Auth;
using Checkup.Functions.Problems;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;

namespace Checkup.Functions.Admin;

public static class AdminUsersApi
{
    public static async Task<Results<Ok<ErasureReceipt>, BadRequest<ProblemDetails>, ProblemHttpResult>> Erase(
        [System.ComponentModel.Description("the person's id: the 'sub' of their tokens, URL-encoded once")] string? sub,
        HttpRequest request, UserErasure erasure, HttpResponse response, CancellationToken ct)
    {
        // Bound by hand: two values would otherwise arrive joined with a comma, naming somebody else.
        var values = request.Query["sub"];
        if (values.Count != 1)
        {
            return Problem.BadRequest("bad_request", "Whom to erase",
                "Name the person once as ?sub=<the 'sub' of their tokens, URL-encoded>.", Errors(values.Count == 0 ? "is missing" : "is given more than once"));
        }

        sub = values[0];
        if (PersonId.Problem(sub) is { } problem)
        {
            return Problem.BadRequest("bad_request", "Invalid user id",
                $"The 'sub' {problem}: sign-in accepts no such subject, so nobody can have it.", Errors(problem));
        }

        var (receipt, failure) = await erasure.EraseAsync(sub!, ct);
        if (failure is not null)
        {
            response.Headers.RetryAfter = "30";
            return Problem.Status(StatusCodes.Status503ServiceUnavailable, "erasure_incomplete", "Erasure incomplete",
                failure + " The person's database rows are kept so that repeating the request finishes the erasure.",
                new Dictionary<string, object?> { ["receipt"] = receipt });
        }

        return TypedResults.Ok(receipt);
    }

    private static Dictionary<string, object?> Errors(string problem) =>
        new() { ["errors"] = new Dictionary<string, string[]> { ["sub"] = [problem] } };
}
