using Checkup.Core.Admin;
using Checkup.Functions.Auth;
using Checkup.Functions.Problems;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;

namespace Checkup.Functions.Admin;

public static class AdminUsersApi
{
    private const int MaxSubLength = 1000;

    public static IEndpointRouteBuilder MapAdminUsers(this IEndpointRouteBuilder api)
    {
        api.MapDelete("/admin/users/{sub}", Erase)
            .RequireAuthorization(AuthSetup.AdminPolicy)
            .WithTags("Admin")
            .WithName("AdminUser")
            .WithSummary("Erase a person's data (submission, images, staged blobs, Cloudinary assets with CDN invalidation) and answer a receipt. " +
                         "Repeating it is harmless; a 503 (Cloudinary or storage failed midway) is finished by repeating it.")
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable);
        return api;
    }

    public static async Task<Results<Ok<ErasureReceipt>, BadRequest<ProblemDetails>, ProblemHttpResult>> Erase(
        string sub, UserErasure erasure, HttpResponse response, CancellationToken ct)
    {
        // The server decodes every escape in the path except %2F (so that it cannot add a path segment): a 'sub'
        // holding a slash (some issuers' ids do) arrives with it still escaped.
        sub = sub.Replace("%2F", "/", StringComparison.OrdinalIgnoreCase);
        if (string.IsNullOrWhiteSpace(sub) || sub.Length > MaxSubLength)
        {
            return Problem.BadRequest("bad_request", "Invalid user id", $"The user id (the token's 'sub') must be 1 to {MaxSubLength} characters.");
        }

        var (receipt, failure) = await erasure.EraseAsync(sub, ct);
        if (failure is not null)
        {
            response.Headers.RetryAfter = "30";
            return Problem.Status(StatusCodes.Status503ServiceUnavailable, "erasure_incomplete", "Erasure incomplete",
                failure + " The person's database rows are kept so that repeating the request finishes the erasure.",
                new Dictionary<string, object?> { ["receipt"] = receipt });
        }

        return TypedResults.Ok(receipt);
    }
}
