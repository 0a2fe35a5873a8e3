using Checkup.Core.Admin;
using Checkup.Functions.Auth;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Checkup.Functions.Admin;

public static class AdminStatsApi
{
    public static async Task<Ok<AdminStats>> GetStats(AdminStatsStore stats, CancellationToken ct) =>
        TypedResults.Ok(await stats.GetAsync(ct));
}
