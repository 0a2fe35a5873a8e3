using Checkup.Core.Admin;
using Checkup.Functions.Auth;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Checkup.Functions.Admin;

public static class AdminStatsApi
{
    public static IEndpointRouteBuilder MapAdminStats(this IEndpointRouteBuilder api)
    {
        api.MapGet("/admin/stats", GetStats)
            .RequireAuthorization(AuthSetup.AdminPolicy)
            .WithTags("Admin")
            .WithName("AdminStats")
            .WithSummary("Submissions and images by status, the oldest image not yet in Cloudinary, failures in the last 24 h, " +
                         "upload and poison queue lengths (null, with an error, when storage cannot be asked).");
        return api;
    }

    public static async Task<Ok<AdminStats>> GetStats(AdminStatsStore stats, CancellationToken ct) =>
        TypedResults.Ok(await stats.GetAsync(ct));
}
