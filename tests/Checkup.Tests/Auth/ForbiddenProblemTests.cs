using System.Net;
using System.Net.Http.Headers;
using Checkup.Core;
using Checkup.Functions.Auth;
using Checkup.Functions.Problems;
using Checkup.Tests.Infrastructure;
using Checkup.Tests.Submissions;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Checkup.Tests.Auth;

/// <summary>
/// The app's auth and problem setup on a bare host with one admin-only endpoint, since the app's own admin endpoints
/// belong to another feature: a signed-in non-admin gets 403 problem+json, an admin gets through.
/// </summary>
public sealed class ForbiddenProblemTests
{
    [Fact]
    public async Task A_signed_in_non_admin_gets_403_problem_json_on_an_admin_endpoint()
    {
        await using var app = await AdminOnlyAppAsync();
        var client = app.GetTestClient();

        var asUser = await SendAsync(client, Tokens.Valid(Users.New()));
        var asAdmin = await SendAsync(client, Tokens.Valid(Users.New("admin"), admin: true));
        var withoutSub = await SendAsync(client, Tokens.Create(sub: null, extraClaims: [new("role", "admin")]));

        await asUser.ProblemAsync(HttpStatusCode.Forbidden, "forbidden");
        Assert.Empty(asUser.Headers.WwwAuthenticate);
        Assert.Equal(HttpStatusCode.OK, asAdmin.StatusCode);
        await withoutSub.ProblemAsync(HttpStatusCode.Forbidden, "forbidden"); // a token without a subject is no person
    }

    private static async Task<WebApplication> AdminOnlyAppAsync()
    {
        var builder = WebApplication.CreateBuilder();
        builder.WebHost.UseTestServer();
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Auth:SigningKey"] = CheckupFactory.SigningKey,
            ["Auth:Issuer"] = CheckupFactory.Issuer,
            ["Auth:Audience"] = CheckupFactory.Audience,
        });
        builder.Services.AddCheckupAuth(builder.Configuration);
        builder.Services.AddCheckupProblems();
        var app = builder.Build();
        app.UseCheckupProblems();
        app.UseAuthentication();
        app.UseAuthorization();
        var api = app.MapGroup("/api").WithProblemJson();
        api.MapGet("/admin/probe", () => "admin only").RequireAuthorization(AuthSetup.AdminPolicy, AuthSetup.UserPolicy);
        await app.StartAsync();
        return app;
    }

    private static Task<HttpResponseMessage> SendAsync(HttpClient client, string token)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, "/api/admin/probe");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return client.SendAsync(request);
    }
}
