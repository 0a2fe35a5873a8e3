using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Checkup.Core.Submissions;

internal static class SubmissionsRegistration
{
    public static IServiceCollection AddSubmissions(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddValidatedOptions<SubmissionOptions>(o => configuration.GetSection("Checkup").Bind(o), SubmissionOptions.Problem);
        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton<SubmissionStore>();
        return services;
    }
}
