/*
 * gen_dump.c - benchmark helper: writes a text dump of N forms shaped like
 * the seed (fixtures/seed.txt): every form distinct (numbered names and
 * amounts), same layout, UTF-8.
 *
 * Usage: gen_dump N > dump.txt
 */
#include <stdio.h>
#include <stdlib.h>

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: gen_dump N\n");
        return 2;
    }
    long n = strtol(argv[1], NULL, 10);
    static char buf[1 << 16];
    setvbuf(stdout, buf, _IOFBF, sizeof buf);
    printf("附件 2\n\n");
    for (long i = 0; i < n; i++) {
        if (i)
            printf("\n");
        printf("部门项目支出预算绩效目标表\n\n单位：万元\n\n");
        printf("项目名称\t第%ld号项目-司法协理员工资\t\t\n", i + 1);
        printf("主管部门\t吴忠市利通区司法局\t实施单位\t吴忠市利通区司法局本级\n");
        printf("项目属性\t0101-一年期项目\t项目期限\t1 年\n");
        printf("项目主管处室\t04-行政社保股\t项目年度金额\t%ld.%06ld\n", 10 + i % 900,
               (i * 37) % 1000000);
        printf("年度总体绩效目标\t保障基层服务人员工资按时发放，第%ld批\t\t\n", i + 1);
        printf("一级指标\t二级指标\t三级指标\t绩效值\n");
        printf("1-产出指标\t11-数量指标\t司法协理员人数\t%ld 人\n", 1 + i % 90);
        printf("\t12-质量指标\t资金支付率\t100%%\n");
        printf("\t13-时效指标\t完成时间\t2024 年\n");
        printf("\t14-成本指标\t司法协理员工资成本\t%ld 万元\n", 10 + i % 900);
        printf("2-效益指标\t21-经济效益\t\t\n");
        printf("\t22-社会效益\t维护社会稳定和谐发展\t良好\n");
        printf("\t23-生态效益\t\t\n");
        printf("\t24-可持续影响\t促进法治社会和谐发展\t良好\n");
        printf("3-满意度指标\t31-服务对象满意度\t司法协理员满意度\t大于等于 90%%\n");
        printf("\t\t群众满意度\t90%%以上\n");
    }
    return fflush(stdout) == 0 ? 0 : 1;
}
